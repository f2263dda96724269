namespace LabelLoop.Core.Items;

/// <summary>An item as the API lists it.</summary>
/// <param name="ExternalId">The import's id or file path; null for callers who are not admins (an image's path names its class folder).</param>
/// <param name="FinalLabel">The agreed or reviewed label, once the item is labeled; null for annotators (it carries other people's answers).</param>
/// <param name="Text">For text items: the text.</param>
/// <param name="ContentUrl">For image items: where the bytes are served (auth required).</param>
public sealed record ItemView(
    long Id,
    int ProjectId,
    string? ExternalId,
    ItemStatus Status,
    string? FinalLabel,
    int AnnotationCount,
    string? Text,
    string? ContentUrl,
    string? MediaType,
    DateTime CreatedUtc);
