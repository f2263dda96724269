namespace LabelLoop.Core.Import;

/// <summary>What validation learned about an image.</summary>
/// <param name="IsColour">Whether the image has colour: from its header (a grey PNG or single-component JPEG is grey;
/// a palette is checked entry by entry) or, where a decoder checked them, its pixels; null when unknown.</param>
public sealed record ImageInfo(string MediaType, int Width, int Height, bool? IsColour = null);
