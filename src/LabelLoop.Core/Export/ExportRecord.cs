namespace LabelLoop.Core.Export;

/// <summary>Everything an export says about one item, in the order writers emit it.</summary>
public sealed record ExportRecord(
    long Id,
    string ExternalId,
    string? Text,
    string? BlobHash,
    string Status,
    string? FinalLabel,
    IReadOnlyList<ExportAnnotation> Annotations,
    ExportPrediction? Prediction);

/// <summary>One annotation in an export.</summary>
public sealed record ExportAnnotation(string Annotator, string? Label, bool Skipped, DateTime CreatedUtc, double LeadTimeSeconds);

/// <summary>The active model's prediction for an item, in an export.</summary>
public sealed record ExportPrediction(int ModelVersion, string Label, IReadOnlyDictionary<string, float> Probabilities, double Score);
