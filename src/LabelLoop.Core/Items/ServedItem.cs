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
/// <param name="Strategy">The strategy that ranked the item.</param>
/// <param name="Score">Its selection score; 0 where no model scored it (<paramref name="Note"/> says why).</param>
/// <param name="Rank">Its 1-based position in the ranking.</param>
/// <param name="Top">The model's two most probable classes, empty without a model.</param>
/// <param name="Votes">The committee's votes, or null.</param>
/// <param name="Note">Plain words for a choice no model made (the cold start), or null.</param>
public sealed record SelectionReason(string Strategy, double Score, int? Rank, IReadOnlyList<LabelProbability> Top, string? Votes, string? Note = null)
{
    /// <summary>What an item of the cold-start order says: no model exists yet.</summary>
    public static SelectionReason ColdStart(int rank) => new(Strategies.QueryStrategies.Typical, 0, rank, [], null,
        "No model yet: one of the pool's most typical items (a cluster centre of the pretrained encoder's embeddings)");
}

/// <summary>One class and its probability.</summary>
public sealed record LabelProbability(string Label, float Probability);
