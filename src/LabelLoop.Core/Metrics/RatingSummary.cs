namespace LabelLoop.Core.Metrics;

/// <summary>
/// What Fleiss' kappa and Krippendorff's alpha need from many items rated by several annotators, small enough
/// to aggregate in SQL: items grouped by (raters, agreeing pairs), and how often each category was chosen.
/// </summary>
/// <param name="Units">Item groups; only items with at least two ratings count.</param>
/// <param name="CategoryTotals">Ratings per category over those items (the order does not matter).</param>
public sealed record RatingSummary(IReadOnlyList<UnitGroup> Units, IReadOnlyList<long> CategoryTotals)
{
    /// <summary>Items rated by at least two annotators.</summary>
    public long Items => Units.Where(u => u.Raters >= 2).Sum(u => u.Count);

    /// <summary>Builds the summary from per-item counts (<c>counts[item][category]</c>); items with fewer than two ratings are left out.</summary>
    public static RatingSummary FromItemCounts(IEnumerable<IReadOnlyList<int>> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var groups = new Dictionary<(int, long), long>();
        var totals = new List<long>();
        foreach (var item in counts)
        {
            var raters = item.Sum();
            if (raters < 2)
            {
                continue;
            }
            long agreeing = 0;
            for (var c = 0; c < item.Count; c++)
            {
                if (item[c] < 0)
                {
                    throw new ArgumentException("Counts cannot be negative.", nameof(counts));
                }
                agreeing += (long)item[c] * (item[c] - 1);
                while (totals.Count <= c)
                {
                    totals.Add(0);
                }
                totals[c] += item[c];
            }
            groups[(raters, agreeing)] = groups.GetValueOrDefault((raters, agreeing)) + 1;
        }
        return new RatingSummary(groups.Select(g => new UnitGroup(g.Key.Item1, g.Key.Item2, g.Value)).ToList(), totals);
    }
}

/// <summary><paramref name="Count"/> items that each had <paramref name="Raters"/> ratings, of which <paramref name="AgreeingPairs"/> ordered pairs agree (the sum over categories of n(n - 1)).</summary>
public readonly record struct UnitGroup(int Raters, long AgreeingPairs, long Count);
