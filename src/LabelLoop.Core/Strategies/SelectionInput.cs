namespace LabelLoop.Core.Strategies;

/// <summary>What a strategy may need beyond the committee's probabilities.</summary>
[Flags]
public enum StrategyNeeds
{
    /// <summary>The committee's probabilities are enough.</summary>
    None = 0,

    /// <summary>Monte Carlo dropout passes over (a sample of) the pool.</summary>
    MonteCarlo = 1,

    /// <summary>Encoder embeddings of the pool and of the labeled items.</summary>
    Embeddings = 2,
}

/// <summary>Everything a query strategy reads to choose the next batch from a pool.</summary>
/// <remarks>
/// Embeddings are row-major (items x <see cref="EmbeddingDim"/>). A strategy that needs an input that is missing
/// falls back as documented on <see cref="QueryStrategies.Select"/> instead of failing.
/// </remarks>
public sealed record SelectionInput
{
    /// <summary>The committee's probabilities over the pool (members x items x classes).</summary>
    public required CommitteeOutput Committee { get; init; }

    /// <summary>How many items the batch takes; the rest of the ranking follows it.</summary>
    public int BatchSize { get; init; } = 20;

    /// <summary>Seeds every random choice (random scores, k-means++ draws, samples).</summary>
    public long Seed { get; init; }

    /// <summary>Monte Carlo dropout probabilities: passes x covered items x classes, or null.</summary>
    public float[]? MonteCarlo { get; init; }

    public int MonteCarloPasses { get; init; }

    /// <summary>The pool items <see cref="MonteCarlo"/> covers, in its order; null when it covers every item.</summary>
    public IReadOnlyList<int>? MonteCarloItems { get; init; }

    /// <summary>Pool embeddings, items x <see cref="EmbeddingDim"/>, or null.</summary>
    public float[]? PoolEmbeddings { get; init; }

    /// <summary>Embeddings of the labeled items (the coverage diversity strategies start from), or null.</summary>
    public float[]? LabeledEmbeddings { get; init; }

    public int EmbeddingDim { get; init; }

    public int Items => Committee.Items;

    internal bool HasEmbeddings => PoolEmbeddings is not null && EmbeddingDim > 0 && PoolEmbeddings.Length == (long)Items * EmbeddingDim;

    internal int LabeledCount => LabeledEmbeddings is null || EmbeddingDim <= 0 ? 0 : LabeledEmbeddings.Length / EmbeddingDim;
}

/// <summary>A strategy's answer: the whole pool in ranking order, the chosen batch first.</summary>
/// <param name="Strategy">The strategy that ranked.</param>
/// <param name="Order">Pool indices: the batch (in the order chosen), then the rest by <paramref name="Scores"/>, NaN last.</param>
/// <param name="Scores">Each pool item's base score (higher = more useful); NaN where it could not be scored.</param>
/// <param name="BatchCount">How many leading entries of <paramref name="Order"/> are the chosen batch.</param>
public sealed record Selection(string Strategy, int[] Order, double[] Scores, int BatchCount)
{
    /// <summary>The chosen batch.</summary>
    public ReadOnlySpan<int> Batch => Order.AsSpan(0, BatchCount);
}
