using LabelLoop.Core.Import;
using LabelLoop.Ml;

namespace LabelLoop.Jobs.Import;

/// <summary>
/// Import validation that decodes every image with the engine's decoder (stb_image), after the structural
/// checks of <see cref="ImageHeaderValidator"/> (which also refuse oversized dimensions before any pixel is
/// allocated). Without the native library it falls back to the structural checks alone.
/// </summary>
public sealed class NativeImageValidator(IModelEngine engine, ImageHeaderValidator header) : IImageValidator
{
    // Decoding into a tiny thumbnail proves the pixels decode without keeping them.
    private const int ThumbnailSize = 4;

    public ImageInfo Validate(ReadOnlySpan<byte> bytes)
    {
        var info = header.Validate(bytes);
        if (!engine.Info.NativeAvailable)
        {
            return info;
        }
        Span<float> thumbnail = stackalloc float[ThumbnailSize * ThumbnailSize];
        try
        {
            ImageDecoder.Decode(bytes, [bytes.Length], 1, ThumbnailSize, thumbnail);
        }
        catch (LabelLoopNativeException ex)
        {
            throw new InvalidImageException($"image cannot be decoded: {ex.NativeMessage}", ex);
        }
        return info;
    }
}
