namespace LabelLoop.Core.Metrics;

/// <summary>
/// A confusion matrix over a label set: <c>Counts[t][p]</c> items of true class t predicted as p, rows and
/// columns in label order. Precision, recall and F1 per class; null where a class was never predicted (precision)
/// or never present (recall).
/// </summary>
public sealed class ConfusionMatrix
{
    private ConfusionMatrix(IReadOnlyList<string> labels, int[][] counts)
    {
        Labels = labels;
        Counts = counts;
    }

    public IReadOnlyList<string> Labels { get; }

    public IReadOnlyList<IReadOnlyList<int>> Counts { get; }

    public long Total => Counts.Sum(r => r.Sum(c => (long)c));

    public long Correct => Enumerable.Range(0, Labels.Count).Sum(i => (long)Counts[i][i]);

    /// <summary>Share of items on the diagonal; null for an empty matrix.</summary>
    public double? Accuracy => Total == 0 ? null : (double)Correct / Total;

    /// <summary>
    /// The matrix, or null when <paramref name="counts"/> is missing or does not fit the label set (a version
    /// trained on an older label set): a wrong shape must not be shown against the wrong names.
    /// </summary>
    public static ConfusionMatrix? TryCreate(IReadOnlyList<string> labels, int[][]? counts)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (counts is null || counts.Length != labels.Count || labels.Count == 0
            || counts.Any(r => r is null || r.Length != labels.Count || r.Any(c => c < 0)))
        {
            return null;
        }
        return new ConfusionMatrix(labels, counts.Select(r => r.ToArray()).ToArray());
    }

    /// <summary>Items of class <paramref name="index"/> (its row sum).</summary>
    public long Support(int index) => Counts[index].Sum(c => (long)c);

    /// <summary>Of the items predicted as the class, the share that were it.</summary>
    public double? Precision(int index)
    {
        long predicted = 0;
        foreach (var row in Counts)
        {
            predicted += row[index];
        }
        return predicted == 0 ? null : (double)Counts[index][index] / predicted;
    }

    /// <summary>Of the items of the class, the share predicted as it.</summary>
    public double? Recall(int index)
    {
        var support = Support(index);
        return support == 0 ? null : (double)Counts[index][index] / support;
    }

    /// <summary>Per-class precision, recall, F1 and support, in label order.</summary>
    public IReadOnlyList<ClassMetrics> PerClass() =>
        Labels.Select((label, i) =>
        {
            var precision = Precision(i);
            var recall = Recall(i);
            double? f1 = precision is { } p && recall is { } r ? (p + r == 0 ? 0 : 2 * p * r / (p + r)) : null;
            return new ClassMetrics(label, precision, recall, f1, Support(i));
        }).ToList();
}

/// <summary>One class's scores on an evaluation set.</summary>
public sealed record ClassMetrics(string Label, double? Precision, double? Recall, double? F1, long Support);
