namespace LabelLoop.Core.Strategies;

/// <summary>
/// Selection scores for active learning: for every pool item, how useful its label would be. Higher is more
/// useful. Pure functions over a <see cref="CommitteeOutput"/>; the names are the ones DESIGN.md §3 fixes.
/// </summary>
/// <remarks>
/// An item whose probabilities hold NaN or infinity scores NaN, and <see cref="Rank"/> puts it last.
/// </remarks>
public static class QueryStrategies
{
    public const string Random = "random";
    public const string LeastConfident = "least-confident";
    public const string Margin = "margin";
    public const string Entropy = "entropy";
    public const string QbcVote = "qbc-vote";
    public const string QbcConsensus = "qbc-consensus";
    public const string QbcKl = "qbc-kl";
    public const string Bald = "bald";
    public const string ExpectedChange = "expected-change";
    public const string Density = "density";
    public const string Coreset = "coreset";
    public const string Typical = "typical";

    /// <summary>Appended to an uncertainty strategy: take its top candidates, then a batch that covers them.</summary>
    public const string DiverseSuffix = "+diverse";

    /// <summary>
    /// What new projects rank by once the cold start is over (see <see cref="ColdStart"/>); settled by the
    /// simulator table in <c>bench/active-learning.md</c>.
    /// </summary>
    public const string ProjectDefault = Margin + DiverseSuffix;

    /// <summary>The uncertainty scores that <see cref="DiverseSuffix"/> may follow.</summary>
    public static IReadOnlyList<string> Uncertainty { get; } =
        [LeastConfident, Margin, Entropy, QbcVote, QbcConsensus, QbcKl, Bald, ExpectedChange, Density];

    /// <summary>The strategies this build implements: every base name, then every <c>X+diverse</c>.</summary>
    public static IReadOnlyList<string> Supported { get; } =
    [
        Random, LeastConfident, Margin, Entropy, QbcVote, QbcConsensus, QbcKl, Bald, ExpectedChange, Density, Coreset, Typical,
        .. new[] { LeastConfident, Margin, Entropy, QbcVote, QbcConsensus, QbcKl, Bald, ExpectedChange, Density }.Select(x => x + DiverseSuffix),
    ];

    public static bool IsSupported(string? name) => name is not null && Supported.Contains(name, StringComparer.Ordinal);

    /// <summary>Splits <c>X+diverse</c> into X and true; any other name into itself and false.</summary>
    public static (string Base, bool Diverse) Parse(string strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        return strategy.EndsWith(DiverseSuffix, StringComparison.Ordinal)
            ? (strategy[..^DiverseSuffix.Length], true)
            : (strategy, false);
    }

    /// <summary>The inputs beyond the committee's probabilities that <paramref name="strategy"/> reads.</summary>
    public static StrategyNeeds Needs(string strategy)
    {
        var (name, diverse) = Parse(strategy);
        var needs = diverse ? StrategyNeeds.Embeddings : StrategyNeeds.None;
        return needs | name switch
        {
            Bald => StrategyNeeds.MonteCarlo,
            ExpectedChange or Density or Coreset or Typical => StrategyNeeds.Embeddings,
            _ => StrategyNeeds.None,
        };
    }

    /// <summary>Scores every item of <paramref name="output"/> with <paramref name="strategy"/>'s base score.</summary>
    /// <param name="seed">Seeds <see cref="Random"/>; the other strategies are deterministic.</param>
    /// <remarks>Strategies that read embeddings or Monte Carlo passes score with their fallbacks here; use <see cref="Select"/>.</remarks>
    public static double[] Score(string strategy, CommitteeOutput output, long seed = 0) =>
        BaseScores(strategy, new SelectionInput { Committee = output, Seed = seed });

    /// <summary>
    /// Scores one chunk of a pool that is scored piece by piece into <paramref name="destination"/>: the
    /// strategies that read only the committee's probabilities, so a pool of any size is ranked holding no more
    /// than its scores. <paramref name="offset"/> is the chunk's first item in the whole pool (it keeps
    /// <see cref="Random"/> scores independent of the chunking).
    /// </summary>
    public static void ScoreChunk(string strategy, CommitteeOutput chunk, Span<double> destination, long offset, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (Needs(strategy) != StrategyNeeds.None || Parse(strategy).Diverse)
        {
            throw new DomainValidationException("strategy", $"'{strategy}' reads embeddings or Monte Carlo passes and cannot be scored in chunks.");
        }
        if (strategy == Random)
        {
            for (var i = 0; i < chunk.Items; i++)
            {
                destination[i] = RandomScore(seed, offset + i);
            }
            return;
        }
        var scores = Score(strategy, chunk, seed);
        scores.CopyTo(destination);
    }

    /// <summary>
    /// Chooses a batch of <see cref="SelectionInput.BatchSize"/> items (fewer when the pool is smaller) and ranks
    /// the rest of the pool by the base score. Missing inputs fall back rather than fail: without embeddings
    /// <c>X+diverse</c> is X, <see cref="Density"/> and <see cref="Coreset"/> are <see cref="Margin"/>,
    /// <see cref="Typical"/> is <see cref="Random"/> and <see cref="ExpectedChange"/> takes every embedding norm as
    /// 1; without Monte Carlo passes <see cref="Bald"/> treats the committee members as the samples.
    /// <see cref="Selection.Strategy"/> names what actually ranked.
    /// </summary>
    public static Selection Select(string strategy, SelectionInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!IsSupported(strategy))
        {
            throw new DomainValidationException("strategy", $"Unknown strategy '{strategy}'. Known: {string.Join(", ", Supported)}.");
        }
        var (name, diverse) = Parse(strategy);
        var n = input.Items;
        var batch = Math.Clamp(input.BatchSize, 0, n);
        if (!input.HasEmbeddings && (diverse || name is Density or Coreset or Typical))
        {
            var fallback = diverse ? name : name == Typical ? Random : Margin;
            return Select(fallback, input);
        }
        switch (name)
        {
            case Coreset:
                {
                    var dim = input.EmbeddingDim;
                    var embeddings = input.PoolEmbeddings!;
                    var minDistance = EmbeddingGeometry.MinSquaredDistances(embeddings, dim, n, input.LabeledEmbeddings);
                    var scores = minDistance.Select(d => (double)d).ToArray();
                    if (input.LabeledCount == 0)
                    {
                        // Nothing covered yet: rank by distance from the pool's centre, the first pick the most central item.
                        scores = DistanceToCentre(embeddings, dim, n);
                    }
                    var first = n == 0 ? -1 : Rank(scores.Select(s => double.IsNaN(s) ? s : -s).ToArray())[0];
                    var picks = EmbeddingGeometry.KCenter(embeddings, dim, minDistance, batch, first);
                    return Compose(strategy, picks, scores);
                }
            case Typical:
                {
                    var (picks, scores) = TypicalPicks(input, batch);
                    return Compose(strategy, picks, scores);
                }
        }
        var baseScores = BaseScores(name, input);
        if (!diverse)
        {
            var order = Rank(baseScores);
            return new Selection(strategy, order, baseScores, Math.Min(batch, CountScored(baseScores)));
        }
        // Diversity over the top candidates: k-means++ seeding from the best one, so a batch is not near-duplicates.
        var candidates = TopK(baseScores, Math.Min(n, batch * DiverseCandidateMultiple));
        var random = new System.Random(SeedOf(input.Seed));
        var gathered = EmbeddingGeometry.Gather(input.PoolEmbeddings!, input.EmbeddingDim, candidates);
        var chosen = EmbeddingGeometry.KMeansPlusPlus(gathered, input.EmbeddingDim, Enumerable.Range(0, candidates.Length).ToList(), batch, 0, random);
        return Compose(strategy, chosen.Select(c => candidates[c]).ToList(), baseScores);
    }

    /// <summary>How many top candidates per batch slot <c>X+diverse</c> chooses among.</summary>
    public const int DiverseCandidateMultiple = 10;

    /// <summary>Pool items <see cref="Density"/> compares each item with: a fixed-size sample keeps it linear.</summary>
    public const int DensitySample = 256;

    /// <summary>
    /// Indices of the <paramref name="k"/> highest scores, best first (equal scores in index order; NaN never).
    /// A bounded heap: linear in the number of scores for a fixed k.
    /// </summary>
    public static int[] TopK(ReadOnlySpan<double> scores, int k)
    {
        if (k <= 0)
        {
            return [];
        }
        // Min-heap on (score, -index): the root is the weakest of the kept items.
        var heap = new PriorityQueue<int, (double Score, int NegIndex)>(k + 1);
        for (var i = 0; i < scores.Length; i++)
        {
            var s = scores[i];
            if (double.IsNaN(s))
            {
                continue;
            }
            if (heap.Count < k)
            {
                heap.Enqueue(i, (s, -i));
            }
            else if (heap.TryPeek(out _, out var weakest) && (s > weakest.Score || (s == weakest.Score && -i > weakest.NegIndex)))
            {
                heap.DequeueEnqueue(i, (s, -i));
            }
        }
        var result = new int[heap.Count];
        for (var r = result.Length - 1; r >= 0; r--)
        {
            result[r] = heap.Dequeue();
        }
        return result;
    }

    private static Selection Compose(string strategy, List<int> picks, double[] scores)
    {
        var order = new int[scores.Length];
        var inBatch = new bool[scores.Length];
        var r = 0;
        foreach (var p in picks)
        {
            inBatch[p] = true;
            order[r++] = p;
        }
        foreach (var i in Rank(scores))
        {
            if (!inBatch[i])
            {
                order[r++] = i;
            }
        }
        return new Selection(strategy, order, scores, picks.Count);
    }

    private static int CountScored(double[] scores) => scores.Count(s => !double.IsNaN(s));

    private static (List<int> Picks, double[] Scores) TypicalPicks(SelectionInput input, int batch)
    {
        var n = input.Items;
        var dim = input.EmbeddingDim;
        var embeddings = input.PoolEmbeddings!;
        var scores = new double[n];
        if (n == 0 || batch == 0)
        {
            return ([], scores);
        }
        // As many clusters as the batch plus (up to a batch of) clusters the labels already cover.
        var k = Math.Min(n, batch + Math.Min(input.LabeledCount, batch));
        var random = new System.Random(SeedOf(input.Seed));
        var (centroids, assignment) = EmbeddingGeometry.KMeans(embeddings, dim, n, k, iterations: 10, random);
        var clusters = centroids.Length / Math.Max(1, dim);
        var sizes = new int[clusters];
        var best = new int[clusters];
        Array.Fill(best, -1);
        for (var i = 0; i < n; i++)
        {
            var c = assignment[i];
            if (c < 0)
            {
                scores[i] = double.NaN;
                continue;
            }
            sizes[c]++;
            // Typicality: closeness to the cluster's centre.
            scores[i] = 1 / (1 + Math.Sqrt(EmbeddingGeometry.SquaredDistance(EmbeddingGeometry.Row(embeddings, dim, i), centroids.AsSpan(c * dim, dim))));
            if (best[c] < 0 || scores[i] > scores[best[c]])
            {
                best[c] = i;
            }
        }
        var covered = new int[clusters];
        for (var l = 0; l < input.LabeledCount; l++)
        {
            var c = EmbeddingGeometry.Nearest(EmbeddingGeometry.Row(input.LabeledEmbeddings!, dim, l), centroids, dim, clusters);
            if (c >= 0)
            {
                covered[c]++;
            }
        }
        // Uncovered clusters first, then the least covered relative to their size; big clusters before small ones.
        var picks = Enumerable.Range(0, clusters)
            .Where(c => sizes[c] > 0)
            .OrderBy(c => (double)covered[c] / sizes[c])
            .ThenByDescending(c => sizes[c])
            .ThenBy(c => c)
            .Take(batch)
            .Select(c => best[c])
            .ToList();
        if (picks.Count < batch)
        {
            var taken = picks.ToHashSet();
            picks.AddRange(Rank(scores).Where(i => !taken.Contains(i) && !double.IsNaN(scores[i])).Take(batch - picks.Count));
        }
        return (picks, scores);
    }

    private static double[] BaseScores(string strategy, SelectionInput input)
    {
        var output = input.Committee;
        var scores = new double[output.Items];
        switch (strategy)
        {
            case Random:
                for (var i = 0; i < scores.Length; i++)
                {
                    scores[i] = RandomScore(input.Seed, i);
                }
                return scores;
            case QbcVote:
                {
                    var consensus = output.Mean();
                    for (var i = 0; i < scores.Length; i++)
                    {
                        var row = consensus.AsSpan(i * output.Classes, output.Classes);
                        // Vote entropy is coarse (a committee of five has few distinct values, one member has only 0): ties
                        // are broken by the consensus entropy, scaled below the smallest step between vote entropies.
                        scores[i] = VoteEntropy(output.VoterVotes(i), output.Voters) + (1e-3 * NormalizedEntropy(row));
                    }
                    return scores;
                }
            case QbcKl:
                {
                    var consensus = output.Mean();
                    for (var i = 0; i < scores.Length; i++)
                    {
                        var row = consensus.AsSpan(i * output.Classes, output.Classes);
                        var kl = 0.0;
                        for (var m = 0; m < output.Members; m++)
                        {
                            kl += KlDivergence(output.Row(m, i), row);
                        }
                        // One member never disagrees with itself: the same entropy tie-break as qbc-vote.
                        scores[i] = (kl / output.Members) + (1e-6 * NormalizedEntropy(row));
                    }
                    return scores;
                }
            case Bald:
                return BaldScores(input);
            case ExpectedChange:
                {
                    var mean = output.Mean();
                    for (var i = 0; i < scores.Length; i++)
                    {
                        var norm = input.HasEmbeddings ? Math.Sqrt(EmbeddingGeometry.Dot(EmbeddingGeometry.Row(input.PoolEmbeddings!, input.EmbeddingDim, i), EmbeddingGeometry.Row(input.PoolEmbeddings!, input.EmbeddingDim, i))) : 1;
                        scores[i] = ExpectedGradientLength(mean.AsSpan(i * output.Classes, output.Classes), norm);
                    }
                    return scores;
                }
            case Density:
                return DensityScores(input);
        }
        Func<ReadOnlySpan<float>, double> score = strategy switch
        {
            LeastConfident => LeastConfidence,
            Margin => MarginScore,
            Entropy or QbcConsensus => EntropyScore,
            _ => throw new DomainValidationException("strategy", $"Unknown strategy '{strategy}'. Known: {string.Join(", ", Supported)}."),
        };
        var means = output.Mean();
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = score(means.AsSpan(i * output.Classes, output.Classes));
        }
        return scores;
    }

    private static double[] BaldScores(SelectionInput input)
    {
        var output = input.Committee;
        var classes = output.Classes;
        var scores = new double[output.Items];
        var consensus = output.Mean();
        if (input.MonteCarlo is not { } mc || input.MonteCarloPasses <= 0)
        {
            // The committee members are the posterior samples.
            for (var i = 0; i < scores.Length; i++)
            {
                var mean = consensus.AsSpan(i * classes, classes);
                var expected = 0.0;
                for (var m = 0; m < output.Members; m++)
                {
                    expected += EntropyScore(output.Row(m, i));
                }
                scores[i] = EntropyScore(mean) - (expected / output.Members);
            }
            return scores;
        }
        var covered = input.MonteCarloItems ?? Enumerable.Range(0, output.Items).ToList();
        var passes = input.MonteCarloPasses;
        if (mc.Length != (long)passes * covered.Count * classes)
        {
            throw new ArgumentException($"Expected {passes} x {covered.Count} x {classes} Monte Carlo probabilities, got {mc.Length}.", nameof(input));
        }
        // Items without passes rank after every scored one (mutual information is never negative), by entropy.
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = -1 + (0.5 * NormalizedEntropy(consensus.AsSpan(i * classes, classes)));
        }
        var sum = new double[classes];
        for (var j = 0; j < covered.Count; j++)
        {
            Array.Clear(sum);
            var expected = 0.0;
            var finite = true;
            for (var t = 0; t < passes; t++)
            {
                var row = mc.AsSpan((((t * covered.Count) + j) * classes), classes);
                var h = EntropyScore(row);
                finite &= !double.IsNaN(h);
                expected += h;
                for (var c = 0; c < classes; c++)
                {
                    sum[c] += row[c];
                }
            }
            var h0 = 0.0;
            foreach (var s in sum)
            {
                var p = s / passes;
                if (p > 0)
                {
                    h0 -= p * Math.Log(p);
                }
            }
            // Rounding can leave a hair below zero for identical passes.
            scores[covered[j]] = finite ? Math.Max(0, h0 - (expected / passes)) : double.NaN;
        }
        return scores;
    }

    private static double[] DensityScores(SelectionInput input)
    {
        var output = input.Committee;
        var n = output.Items;
        var dim = input.EmbeddingDim;
        var embeddings = input.PoolEmbeddings!;
        var mean = output.Mean();
        var random = new System.Random(SeedOf(input.Seed));
        var sampleCount = Math.Min(n, DensitySample);
        var sample = new float[sampleCount * dim];
        var picked = 0;
        // A fixed-size uniform sample (reservoir) of the pool, unit-normalised, so each item costs O(sample x dim).
        var reservoir = new int[sampleCount];
        var seen = 0;
        for (var i = 0; i < n; i++)
        {
            if (!EmbeddingGeometry.IsFinite(EmbeddingGeometry.Row(embeddings, dim, i)))
            {
                continue;
            }
            seen++;
            if (picked < sampleCount)
            {
                reservoir[picked++] = i;
            }
            else
            {
                var r = random.Next(seen);
                if (r < sampleCount)
                {
                    reservoir[r] = i;
                }
            }
        }
        sampleCount = picked;
        for (var s = 0; s < sampleCount; s++)
        {
            Normalized(EmbeddingGeometry.Row(embeddings, dim, reservoir[s]), sample.AsSpan(s * dim, dim));
        }
        var scores = new double[n];
        var unit = new float[dim];
        for (var i = 0; i < n; i++)
        {
            var uncertainty = MarginScore(mean.AsSpan(i * output.Classes, output.Classes));
            if (!EmbeddingGeometry.IsFinite(EmbeddingGeometry.Row(embeddings, dim, i)))
            {
                scores[i] = double.NaN;
                continue;
            }
            Normalized(EmbeddingGeometry.Row(embeddings, dim, i), unit);
            var similarity = 0.0;
            for (var s = 0; s < sampleCount; s++)
            {
                similarity += EmbeddingGeometry.Dot(unit, sample.AsSpan(s * dim, dim));
            }
            similarity = sampleCount == 0 ? 1 : similarity / sampleCount;
            // Cosine in [-1, 1] mapped to [0, 1], so the weight never flips the sign of the uncertainty.
            scores[i] = double.IsFinite(similarity) ? uncertainty * ((1 + similarity) / 2) : double.NaN;
        }
        return scores;
    }

    private static void Normalized(ReadOnlySpan<float> row, Span<float> destination)
    {
        var norm = MathF.Sqrt(EmbeddingGeometry.Dot(row, row));
        for (var d = 0; d < row.Length; d++)
        {
            destination[d] = norm > 0 ? row[d] / norm : 0;
        }
    }

    private static double[] DistanceToCentre(float[] embeddings, int dim, int n)
    {
        var centre = new double[dim];
        var finite = 0;
        for (var i = 0; i < n; i++)
        {
            var row = EmbeddingGeometry.Row(embeddings, dim, i);
            if (!EmbeddingGeometry.IsFinite(row))
            {
                continue;
            }
            finite++;
            for (var d = 0; d < dim; d++)
            {
                centre[d] += row[d];
            }
        }
        var c = centre.Select(v => (float)(v / Math.Max(1, finite))).ToArray();
        var scores = new double[n];
        for (var i = 0; i < n; i++)
        {
            var row = EmbeddingGeometry.Row(embeddings, dim, i);
            scores[i] = EmbeddingGeometry.IsFinite(row) ? EmbeddingGeometry.SquaredDistance(row, c) : double.NaN;
        }
        return scores;
    }

    private static int SeedOf(long seed) => unchecked((int)(seed ^ (seed >> 32)));

    /// <summary>A uniform score in [0, 1) that depends only on the seed and the item's index (SplitMix64).</summary>
    private static double RandomScore(long seed, long index)
    {
        var z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)index + 0x632BE59BD9B4E019UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>
    /// Expected gradient length of a softmax head's weights: the gradient of the cross-entropy for label y is
    /// (p - e_y) x^T, whose norm is |p - e_y| |x|; its expectation over y ~ p is
    /// |x| sum_y p_y sqrt(sum_c p_c^2 - 2 p_y + 1).
    /// </summary>
    public static double ExpectedGradientLength(ReadOnlySpan<float> p, double embeddingNorm)
    {
        if (!AllFinite(p) || !double.IsFinite(embeddingNorm))
        {
            return double.NaN;
        }
        var squares = 0.0;
        foreach (var v in p)
        {
            squares += (double)v * v;
        }
        var expected = 0.0;
        foreach (var v in p)
        {
            expected += v * Math.Sqrt(Math.Max(0, squares - (2.0 * v) + 1));
        }
        return embeddingNorm * expected;
    }

    /// <summary>KL(p || q) in nats, with q floored at 1e-12 so a zero where p is not stays finite.</summary>
    public static double KlDivergence(ReadOnlySpan<float> p, ReadOnlySpan<float> q)
    {
        if (!AllFinite(p) || !AllFinite(q))
        {
            return double.NaN;
        }
        var kl = 0.0;
        for (var c = 0; c < p.Length; c++)
        {
            if (p[c] > 0)
            {
                kl += p[c] * Math.Log(p[c] / Math.Max(q[c], 1e-12));
            }
        }
        return Math.Max(0, kl);
    }

    /// <summary>1 - max p: how unsure the model is of its best guess.</summary>
    public static double LeastConfidence(ReadOnlySpan<float> p)
    {
        if (!AllFinite(p))
        {
            return double.NaN;
        }
        var max = 0f;
        foreach (var v in p)
        {
            max = Math.Max(max, v);
        }
        return 1 - max;
    }

    /// <summary>1 - (p1 - p2), the top two probabilities: near 1 when the model hesitates between two classes.</summary>
    public static double MarginScore(ReadOnlySpan<float> p)
    {
        if (!AllFinite(p))
        {
            return double.NaN;
        }
        if (p.Length == 1)
        {
            return 1 - p[0];
        }
        var (first, second) = TopTwo(p);
        return 1 - (p[first] - p[second]);
    }

    /// <summary>Shannon entropy in nats; zero probabilities contribute nothing.</summary>
    public static double EntropyScore(ReadOnlySpan<float> p)
    {
        if (!AllFinite(p))
        {
            return double.NaN;
        }
        var h = 0.0;
        foreach (var v in p)
        {
            if (v > 0)
            {
                h -= v * Math.Log(v);
            }
        }
        return h;
    }

    /// <summary>Entropy of the committee's vote distribution: 0 when all members agree.</summary>
    public static double VoteEntropy(ReadOnlySpan<int> votes, int members)
    {
        var cast = 0;
        foreach (var v in votes)
        {
            cast += v;
        }
        if (cast == 0 || members <= 0)
        {
            return double.NaN;
        }
        var h = 0.0;
        foreach (var v in votes)
        {
            if (v > 0)
            {
                var share = (double)v / members;
                h -= share * Math.Log(share);
            }
        }
        return h;
    }

    /// <summary>
    /// Item indices in ranking order: highest score first; equal scores keep index order; NaN scores come last.
    /// </summary>
    public static int[] Rank(ReadOnlySpan<double> scores)
    {
        var order = new int[scores.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        var keys = scores.ToArray();
        Array.Sort(order, (a, b) =>
        {
            var (x, y) = (keys[a], keys[b]);
            var nanX = double.IsNaN(x);
            var nanY = double.IsNaN(y);
            if (nanX || nanY)
            {
                return nanX == nanY ? a.CompareTo(b) : nanX ? 1 : -1;
            }
            var byScore = y.CompareTo(x);
            return byScore != 0 ? byScore : a.CompareTo(b);
        });
        return order;
    }

    /// <summary>Indices of the largest and second-largest values (first index wins ties).</summary>
    public static (int First, int Second) TopTwo(ReadOnlySpan<float> p)
    {
        var first = -1;
        var second = -1;
        for (var c = 0; c < p.Length; c++)
        {
            if (first < 0 || p[c] > p[first])
            {
                second = first;
                first = c;
            }
            else if (second < 0 || p[c] > p[second])
            {
                second = c;
            }
        }
        return (first, second < 0 ? first : second);
    }

    private static double NormalizedEntropy(ReadOnlySpan<float> p)
    {
        var h = EntropyScore(p);
        return p.Length < 2 ? 0 : h / Math.Log(p.Length);
    }

    private static bool AllFinite(ReadOnlySpan<float> p)
    {
        foreach (var v in p)
        {
            if (!float.IsFinite(v))
            {
                return false;
            }
        }
        return p.Length > 0;
    }
}
