using LabelLoop.Core.Items;

namespace LabelLoop.Core.Predictions;

/// <summary>One model version's prediction for one item.</summary>
/// <param name="Label">The most probable label.</param>
/// <param name="Confidence">The probability of <paramref name="Label"/>.</param>
/// <param name="Probabilities">Every class with its probability, in label-set order.</param>
/// <param name="Score">The strategy's selection score (higher = more useful to label).</param>
/// <param name="Rank">1-based place in the version's ranking; null for items the ranking left out.</param>
public sealed record PredictionView(
    long Id,
    long ItemId,
    int ModelVersion,
    string Label,
    float Confidence,
    IReadOnlyList<LabelProbability> Probabilities,
    double Score,
    int? Rank);

/// <summary>One place of the active ranking, with why the item is there.</summary>
/// <param name="ItemStatus">The item's state now (the ranking was made when the version was published).</param>
/// <param name="Why">Strategy, score, the top probabilities and committee votes; null when the job stored no reason.</param>
public sealed record RankedItem(
    int Rank,
    long ItemId,
    ItemStatus ItemStatus,
    int ModelVersion,
    string PredictedLabel,
    float Confidence,
    double Score,
    SelectionReason? Why);
