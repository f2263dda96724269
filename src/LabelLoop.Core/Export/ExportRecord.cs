namespace LabelLoop.Core.Export;

/// <summary>Everything an export says about one item, in the order writers emit it.</summary>
/// <param name="ExternalId">The import's path or id; null where the reader's role may not see it (<see cref="ExportProjection"/>).</param>
/// <param name="Text">The payload of a text item.</param>
/// <param name="BlobHash">The payload of an image item: its SHA-256, the blob store key.</param>
/// <param name="MediaType">The image's media type (<c>image/png</c>...); null for text.</param>
/// <param name="ContentUrl">Where the API serves an image item's bytes; null for text.</param>
public sealed record ExportRecord(
    long Id,
    string? ExternalId,
    string? Text,
    string? BlobHash,
    string Status,
    string? FinalLabel,
    IReadOnlyList<ExportAnnotation> Annotations,
    ExportPrediction? Prediction,
    string? MediaType = null,
    string? ContentUrl = null);

/// <summary>One annotation in an export.</summary>
/// <param name="Reviewed">A reviewer's final decision rather than an annotator's answer.</param>
public sealed record ExportAnnotation(string Annotator, string? Label, bool Skipped, DateTime CreatedUtc, double LeadTimeSeconds, bool Reviewed = false);

/// <summary>The active model's prediction for an item, in an export.</summary>
public sealed record ExportPrediction(int ModelVersion, string Label, IReadOnlyDictionary<string, float> Probabilities, double Score);
