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

    /// <summary>The strategies this build implements.</summary>
    public static IReadOnlyList<string> Supported { get; } = [Random, LeastConfident, Margin, Entropy, QbcVote];

    public static bool IsSupported(string? name) => name is not null && Supported.Contains(name, StringComparer.Ordinal);

    /// <summary>Scores every item of <paramref name="output"/> with <paramref name="strategy"/>.</summary>
    /// <param name="seed">Seeds <see cref="Random"/>; the other strategies are deterministic.</param>
    public static double[] Score(string strategy, CommitteeOutput output, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(output);
        var scores = new double[output.Items];
        if (strategy == Random)
        {
            var random = new Random(unchecked((int)(seed ^ (seed >> 32))));
            for (var i = 0; i < scores.Length; i++)
            {
                scores[i] = random.NextDouble();
            }
            return scores;
        }
        if (strategy == QbcVote)
        {
            var consensus = output.Mean();
            for (var i = 0; i < scores.Length; i++)
            {
                var row = consensus.AsSpan(i * output.Classes, output.Classes);
                // Vote entropy is coarse (a committee of five has few distinct values, one member has only 0): ties are
                // broken by the consensus entropy, scaled below the smallest step between vote entropies.
                scores[i] = VoteEntropy(output.Votes(i), output.Members) + (1e-3 * NormalizedEntropy(row));
            }
            return scores;
        }
        Func<ReadOnlySpan<float>, double> score = strategy switch
        {
            LeastConfident => LeastConfidence,
            Margin => MarginScore,
            Entropy => EntropyScore,
            _ => throw new DomainValidationException("strategy", $"Unknown strategy '{strategy}'. Known: {string.Join(", ", Supported)}."),
        };
        var mean = output.Mean();
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = score(mean.AsSpan(i * output.Classes, output.Classes));
        }
        return scores;
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
