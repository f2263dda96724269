namespace LabelLoop.Data.Models;

/// <summary>A trained committee about to become a model version.</summary>
public sealed record ModelVersionDraft(int ProjectId, string ArtifactPath, string Strategy, int LabelCount, string MetricsJson);

/// <summary>One pool item's prediction and place in the new ranking.</summary>
public sealed record PredictionRow(long ItemId, string Label, float[] Probabilities, double Score, int? Rank, string ReasonJson);

/// <summary>What a publish switched in.</summary>
public sealed record PublishedVersion(int ModelVersionId, int Version, int Predictions);
