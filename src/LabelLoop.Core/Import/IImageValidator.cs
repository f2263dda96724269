namespace LabelLoop.Core.Import;

/// <summary>
/// Checks that bytes are a complete, decodable image. Two implementations: <see cref="ImageHeaderValidator"/>
/// (managed, structural) and the native decoder, which decodes the pixels.
/// </summary>
public interface IImageValidator
{
    /// <summary>Returns the image's type and size, or throws <see cref="InvalidImageException"/> naming the problem.</summary>
    ImageInfo Validate(ReadOnlySpan<byte> bytes);
}
