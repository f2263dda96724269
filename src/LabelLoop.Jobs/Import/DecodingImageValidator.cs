using LabelLoop.Core.Import;
using LabelLoop.Core.Projects;
using LabelLoop.Ml;

namespace LabelLoop.Jobs.Import;

/// <summary>
/// Import validation that decodes every image with the engine's decoder (<see cref="ImageDecoder"/>), after the
/// structural checks of <see cref="ImageHeaderValidator"/> (which also refuse oversized dimensions before any pixel
/// is allocated).
/// </summary>
/// <remarks>
/// The decoded thumbnail also settles whether an image has colour: a header can say RGB (or a JPEG three
/// components) for pixels that are all grey, and then the pixels win.
/// </remarks>
public sealed class DecodingImageValidator(ImageHeaderValidator header) : IImageValidator
{
    // Decoding into a small thumbnail proves the pixels decode without keeping them.
    private const int ThumbnailSize = 8;
    private const int Plane = ThumbnailSize * ThumbnailSize;

    public ImageInfo Validate(ReadOnlySpan<byte> bytes)
    {
        var info = header.Validate(bytes);
        // A grey header means grey pixels; anything else is decoded in colour to look.
        var channels = info.IsColour == false ? 1 : 3;
        Span<float> thumbnail = stackalloc float[3 * Plane];
        try
        {
            ImageDecoder.Decode(bytes, [bytes.Length], channels, ThumbnailSize, thumbnail[..(channels * Plane)]);
        }
        catch (ModelEngineException ex)
        {
            throw new InvalidImageException($"image cannot be decoded: {ex.EngineMessage}", ex);
        }
        return channels == 1 ? info : info with { IsColour = ImageColours.HasColour(thumbnail, Plane) };
    }
}
