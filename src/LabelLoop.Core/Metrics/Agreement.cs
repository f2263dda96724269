namespace LabelLoop.Core.Metrics;

/// <summary>
/// Chance-corrected agreement between annotators on nominal labels: Cohen's kappa for two annotators, Fleiss'
/// kappa and Krippendorff's alpha for any number. Every function returns null where the statistic is undefined
/// (no items, or every rating in one category, so chance agreement is already perfect).
/// </summary>
/// <remarks>
/// The inputs are counts, not rows, so callers can aggregate in the database and pass only the small tables:
/// a two-way table for Cohen's kappa, and a <see cref="RatingSummary"/> for the many-annotator statistics.
/// </remarks>
public static class Agreement
{
    /// <summary>Cohen's kappa from a square table: <c>table[i, j]</c> items the first annotator put in i and the second in j.</summary>
    public static double? CohensKappa(long[,] table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var k = table.GetLength(0);
        if (k != table.GetLength(1))
        {
            throw new ArgumentException("The table must be square (the same categories for both annotators).", nameof(table));
        }
        var rows = new double[k];
        var columns = new double[k];
        double total = 0, agreed = 0;
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < k; j++)
            {
                var n = table[i, j];
                if (n < 0)
                {
                    throw new ArgumentException("Counts cannot be negative.", nameof(table));
                }
                rows[i] += n;
                columns[j] += n;
                total += n;
                if (i == j)
                {
                    agreed += n;
                }
            }
        }
        if (total == 0)
        {
            return null;
        }
        var observed = agreed / total;
        var chance = 0.0;
        for (var i = 0; i < k; i++)
        {
            chance += rows[i] / total * (columns[i] / total);
        }
        return chance >= 1 ? null : (observed - chance) / (1 - chance);
    }

    /// <summary>Cohen's kappa from (first annotator's label, second annotator's label, items) cells; the categories are those named.</summary>
    public static double? CohensKappa(IEnumerable<(string First, string Second, long Items)> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var list = cells.ToList();
        var categories = list.SelectMany(c => new[] { c.First, c.Second }).Distinct(StringComparer.Ordinal).ToList();
        var index = categories.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var table = new long[categories.Count, categories.Count];
        foreach (var (first, second, items) in list)
        {
            table[index[first], index[second]] += items;
        }
        return CohensKappa(table);
    }

    /// <summary>
    /// Fleiss' kappa. With the same number of raters on every item it is the textbook statistic; with varying
    /// numbers each item's agreement is the share of its rater pairs that agree, averaged over items, and chance
    /// agreement comes from the pooled category shares. Items with fewer than two ratings are ignored.
    /// </summary>
    public static double? FleissKappa(RatingSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        double items = 0, agreement = 0;
        foreach (var group in summary.Units)
        {
            if (group.Raters < 2 || group.Count <= 0)
            {
                continue;
            }
            items += group.Count;
            agreement += group.Count * (group.AgreeingPairs / ((double)group.Raters * (group.Raters - 1)));
        }
        var ratings = (double)summary.CategoryTotals.Sum();
        if (items == 0 || ratings == 0)
        {
            return null;
        }
        var observed = agreement / items;
        var chance = summary.CategoryTotals.Sum(n => n / ratings * (n / ratings));
        return chance >= 1 ? null : (observed - chance) / (1 - chance);
    }

    /// <summary>Fleiss' kappa from per-item category counts (<c>counts[item][category]</c> raters who chose it).</summary>
    public static double? FleissKappa(IEnumerable<IReadOnlyList<int>> counts) => FleissKappa(RatingSummary.FromItemCounts(counts));

    /// <summary>
    /// Krippendorff's alpha for nominal data, 1 - observed / expected disagreement over pairable values (items
    /// with at least two ratings). Handles any number of raters per item.
    /// </summary>
    public static double? KrippendorffAlpha(RatingSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        double disagreement = 0;
        foreach (var group in summary.Units)
        {
            if (group.Raters < 2 || group.Count <= 0)
            {
                continue;
            }
            var m = (double)group.Raters;
            // Ordered pairs within the item that disagree, each weighted 1 / (m - 1).
            disagreement += group.Count * ((m * (m - 1)) - group.AgreeingPairs) / (m - 1);
        }
        var n = (double)summary.CategoryTotals.Sum();
        if (n < 2)
        {
            return null;
        }
        var expected = summary.CategoryTotals.Sum(c => c * (n - c)) / (n * (n - 1));
        return expected <= 0 ? null : 1 - (disagreement / n / expected);
    }

    /// <summary>Krippendorff's alpha (nominal) from per-item category counts.</summary>
    public static double? KrippendorffAlpha(IEnumerable<IReadOnlyList<int>> counts) => KrippendorffAlpha(RatingSummary.FromItemCounts(counts));
}
