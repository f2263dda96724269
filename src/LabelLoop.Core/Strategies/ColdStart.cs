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

    /// <summary>
    /// The labels a project is asked for before any model exists: the most typical item of each of
    /// <paramref name="count"/> clusters of the pool's embeddings, uncovered and big clusters first (the
    /// <see cref="QueryStrategies.Typical"/> batch, with no model output). Returns pool indices in serve order; empty
    /// without embeddings. The pretraining job orders a new project's first items with it, and
    /// <c>simulate --initial-strategy typical</c> picks its initial labels with it.
    /// </summary>
    /// <param name="poolEmbeddings">Pool items x <paramref name="dim"/>.</param>
    /// <param name="dim">Embedding width.</param>
    /// <param name="count">How many items to order (k-means runs with as many clusters); clamped to the pool.</param>
    /// <param name="labeledEmbeddings">Items labeled already (their clusters count as covered), or null.</param>
    /// <param name="seed">Seeds the k-means draws.</param>
    public static IReadOnlyList<int> FirstItems(float[] poolEmbeddings, int dim, int count, float[]? labeledEmbeddings, long seed)
    {
        ArgumentNullException.ThrowIfNull(poolEmbeddings);
        if (dim <= 0 || poolEmbeddings.Length == 0 || poolEmbeddings.Length % dim != 0)
        {
            return [];
        }
        var items = poolEmbeddings.Length / dim;
        var batch = Math.Clamp(count, 0, items);
        if (batch == 0)
        {
            return [];
        }
        // Typical reads no probabilities: one member, one class, every item certain.
        var selection = QueryStrategies.Select(QueryStrategies.Typical, new SelectionInput
        {
            Committee = new CommitteeOutput(1, items, 1, Enumerable.Repeat(1f, items).ToArray()),
            BatchSize = batch,
            Seed = seed,
            PoolEmbeddings = poolEmbeddings,
            LabeledEmbeddings = labeledEmbeddings is { Length: > 0 } ? labeledEmbeddings : null,
            EmbeddingDim = dim,
        });
        return selection.Batch.ToArray();
    }
}
