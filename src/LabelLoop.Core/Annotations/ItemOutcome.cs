using LabelLoop.Core.Items;

namespace LabelLoop.Core.Annotations;

/// <summary>
/// Decides an item's state from its annotations, the one rule every submit, skip, undo and review applies:
/// a reviewer's label is final; otherwise once <c>overlap</c> annotators have labeled it, agreement makes it
/// Labeled and disagreement sends it to review; an item skipped by <c>overlap + 1</c> annotators with no
/// label leaves the pool as Skipped (one skip alone only hides it from the annotator who skipped).
/// </summary>
public static class ItemOutcome
{
    /// <summary>The state, final label and number of (non-skip) labels.</summary>
    public readonly record struct Result(ItemStatus Status, string? FinalLabel, int LabelCount);

    /// <param name="overlap">Distinct annotators each item needs.</param>
    /// <param name="labels">Each annotation's label, null for a skip (reviews excluded).</param>
    /// <param name="reviewedLabel">The reviewer's decision, if any.</param>
    public static Result Decide(int overlap, IReadOnlyCollection<string?> labels, string? reviewedLabel)
    {
        var given = labels.Where(l => l is not null).Select(l => l!).ToList();
        if (reviewedLabel is not null)
        {
            return new Result(ItemStatus.Labeled, reviewedLabel, given.Count);
        }
        if (given.Count >= Math.Max(1, overlap))
        {
            var distinct = given.Distinct(StringComparer.Ordinal).Count();
            return distinct == 1
                ? new Result(ItemStatus.Labeled, given[0], given.Count)
                : new Result(ItemStatus.InReview, null, given.Count);
        }
        var skips = labels.Count - given.Count;
        if (given.Count == 0 && skips >= overlap + 1)
        {
            return new Result(ItemStatus.Skipped, null, 0);
        }
        return new Result(ItemStatus.Unlabeled, null, given.Count);
    }
}
