namespace LabelLoop.Core.Import;

/// <summary>What validation learned about an image.</summary>
public sealed record ImageInfo(string MediaType, int Width, int Height);
