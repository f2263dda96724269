namespace LabelLoop.Core.Import;

/// <summary>
/// Checks that bytes are a complete, decodable image. Two implementations: <see cref="ImageHeaderValidator"/>
/// (managed, structural) and the Jobs layer's decoding validator (SkiaSharp), which decodes the pixels too.
/// </summary>
public interface IImageValidator
{
    /// <summary>Returns the image's type and size, or throws <see cref="InvalidImageException"/> naming the problem.</summary>
    ImageInfo Validate(ReadOnlySpan<byte> bytes);
}
