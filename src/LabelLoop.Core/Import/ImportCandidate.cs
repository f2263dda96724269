namespace LabelLoop.Core.Import;

/// <summary>An item that passed validation and is ready to be stored.</summary>
/// <param name="ExternalId">Relative file path (images) or the record's id (text).</param>
/// <param name="ContentHash">Lower-case hex SHA-256 of the payload.</param>
/// <param name="GroundTruth">Label from the layout, or null when unlabeled.</param>
/// <param name="Text">The text, for text items.</param>
/// <param name="MediaType">Detected media type, for images.</param>
/// <param name="Width">Image width in pixels (0 for text).</param>
/// <param name="Height">Image height in pixels (0 for text).</param>
/// <param name="IsColour">Whether the image has colour; null when unknown or for text.</param>
public sealed record ImportCandidate(
    string ExternalId,
    string ContentHash,
    string? GroundTruth,
    string? Text,
    string? MediaType,
    int Width,
    int Height,
    bool? IsColour = null);
