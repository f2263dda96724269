using LabelLoop.Core.Projects;

namespace LabelLoop.Core.Items;

/// <summary>
/// An item leased to an annotator, with what the workspace and the API show beside it. It carries no external id:
/// an image's file path names its class folder, the ground truth annotators must not see.
/// </summary>
/// <param name="ContentUrl">For images: where the bytes are served (auth required).</param>
/// <param name="Suggestion">The active model's prediction, when there is one.</param>
/// <param name="Why">Why the item was chosen, when it came from a ranking.</param>
public sealed record ServedItem(
    long ItemId,
    int ProjectId,
    ProjectKind Kind,
    string? Text,
    string? ContentUrl,
    DateTime LeaseExpiresUtc,
    Suggestion? Suggestion,
    SelectionReason? Why);

/// <summary>The model's guess: a label and its probability.</summary>
public sealed record Suggestion(string Label, float Confidence, long PredictionId);

/// <summary>The reason a ranking put this item in front of the annotator.</summary>
public sealed record SelectionReason(string Strategy, double Score, int? Rank, IReadOnlyList<LabelProbability> Top, string? Votes);

/// <summary>One class and its probability.</summary>
public sealed record LabelProbability(string Label, float Probability);
