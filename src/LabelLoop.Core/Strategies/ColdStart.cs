namespace LabelLoop.Core.Strategies;

/// <summary>
/// The cold start: while some class has fewer than a few labels, a model's uncertainty says little, so the pool is
/// ranked by <see cref="QueryStrategies.Typical"/> (typical items of uncovered clusters) instead.
/// </summary>
public static class ColdStart
{
    /// <summary>Labels every class needs before the project's own strategy takes over (the project default).</summary>
    public const int DefaultLabelsPerClass = 3;

    /// <summary>
    /// The strategy that ranks this round: <see cref="QueryStrategies.Typical"/> while any class has fewer than
    /// <paramref name="labelsPerClass"/> labels (0 turns the cold start off), otherwise <paramref name="strategy"/>.
    /// <see cref="QueryStrategies.Random"/> is never replaced: it is the baseline.
    /// </summary>
    public static string Resolve(string strategy, IReadOnlyList<int> labelsByClass, int labelsPerClass)
    {
        ArgumentNullException.ThrowIfNull(labelsByClass);
        if (labelsPerClass <= 0 || strategy == QueryStrategies.Random || labelsByClass.Count == 0)
        {
            return strategy;
        }
        return labelsByClass.Any(count => count < labelsPerClass) ? QueryStrategies.Typical : strategy;
    }
}
