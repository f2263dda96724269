using LabelLoop.Core.Strategies;
using Xunit;

namespace LabelLoop.Core.Tests.Strategies;

public sealed class SelectionTests
{
    // Four items, three classes: sure, torn between two, uniform, fairly sure.
    private static readonly float[] Four =
    [
        0.90f, 0.05f, 0.05f,
        0.45f, 0.45f, 0.10f,
        1 / 3f, 1 / 3f, 1 / 3f,
        0.70f, 0.20f, 0.10f,
    ];

    // Two clusters on a line in 2-D: items 0-1 near (0,0), items 2-3 near (10,0).
    private static readonly float[] TwoClusters = [0f, 0f, 0.1f, 0f, 10f, 0f, 10.1f, 0f];

    private static SelectionInput Input(float[] probabilities, int classes = 3, int members = 1, int batch = 2, float[]? embeddings = null, float[]? labeled = null, long seed = 1) => new()
    {
        Committee = new CommitteeOutput(members, probabilities.Length / classes / members, classes, probabilities),
        BatchSize = batch,
        Seed = seed,
        PoolEmbeddings = embeddings,
        LabeledEmbeddings = labeled,
        EmbeddingDim = embeddings is null ? 0 : 2,
    };

    public static TheoryData<string> Every => [.. QueryStrategies.Supported];

    [Theory]
    [MemberData(nameof(Every))]
    public void Every_strategy_ranks_the_whole_pool_once_with_the_batch_first(string strategy)
    {
        var selection = QueryStrategies.Select(strategy, Input(Four, embeddings: TwoClusters, labeled: [0f, 0f]));

        Assert.Equal([0, 1, 2, 3], selection.Order.Order());
        Assert.Equal(4, selection.Scores.Length);
        Assert.InRange(selection.BatchCount, 1, 2);
        Assert.Equal(selection.Order[..selection.BatchCount], selection.Batch.ToArray());
    }

    [Theory]
    [MemberData(nameof(Every))]
    public void A_pool_smaller_than_the_batch_gives_the_whole_pool_and_an_empty_pool_nothing(string strategy)
    {
        var selection = QueryStrategies.Select(strategy, Input([0.6f, 0.3f, 0.1f], batch: 5, embeddings: [1f, 2f]));
        Assert.Equal([0], selection.Order);
        Assert.Equal(1, selection.BatchCount);

        var empty = QueryStrategies.Select(strategy, Input([], batch: 5, embeddings: []));
        Assert.Empty(empty.Order);
        Assert.Equal(0, empty.BatchCount);
    }

    [Theory]
    [MemberData(nameof(Every))]
    public void An_item_with_NaN_probabilities_is_never_in_the_batch_and_ranks_last(string strategy)
    {
        if (strategy is QueryStrategies.Random or QueryStrategies.Coreset or QueryStrategies.Typical)
        {
            // These read no probabilities: a NaN row is an ordinary item to them (see the embedding test below).
            return;
        }
        float[] pool = [0.6f, 0.3f, 0.1f, float.NaN, 0.5f, 0.5f, 0.4f, 0.4f, 0.2f];
        var selection = QueryStrategies.Select(strategy, Input(pool, batch: 2, embeddings: [0f, 0f, 5f, 5f, 9f, 9f]));

        Assert.DoesNotContain(1, selection.Batch.ToArray());
        Assert.Equal(1, selection.Order[^1]);
        Assert.True(double.IsNaN(selection.Scores[1]));
    }

    [Theory]
    [InlineData("coreset")]
    [InlineData("typical")]
    [InlineData("margin+diverse")]
    [InlineData("density")]
    public void An_item_with_a_NaN_embedding_is_never_picked(string strategy)
    {
        float[] embeddings = [0f, 0f, float.NaN, 1f, 5f, 5f, 9f, 9f];
        var selection = QueryStrategies.Select(strategy, Input(Four, batch: 3, embeddings: embeddings));

        Assert.DoesNotContain(1, selection.Batch.ToArray());
        Assert.Equal([0, 1, 2, 3], selection.Order.Order());
    }

    [Theory]
    [MemberData(nameof(Every))]
    public void Equal_items_keep_pool_order(string strategy)
    {
        // Four identical items with identical embeddings: nothing tells them apart but their index.
        float[] same = [0.5f, 0.3f, 0.2f, 0.5f, 0.3f, 0.2f, 0.5f, 0.3f, 0.2f, 0.5f, 0.3f, 0.2f];
        var selection = QueryStrategies.Select(strategy, Input(same, batch: 2, embeddings: new float[8]));

        Assert.Equal([0, 1, 2, 3], selection.Order.Order());
        if (strategy != QueryStrategies.Random)
        {
            Assert.Equal([0, 1, 2, 3], selection.Order);
        }
    }

    [Theory]
    [MemberData(nameof(Every))]
    public void A_single_class_label_set_scores_without_failing(string strategy)
    {
        // One class: every model is sure, so there is no uncertainty to rank by; nothing may throw or be NaN.
        var selection = QueryStrategies.Select(strategy, Input([1f, 1f, 1f], classes: 1, batch: 2, embeddings: [0f, 0f, 1f, 1f, 5f, 5f]));

        Assert.Equal([0, 1, 2], selection.Order.Order());
        Assert.Equal(2, selection.BatchCount);
        Assert.All(selection.Scores, s => Assert.False(double.IsNaN(s)));
    }

    [Theory]
    [InlineData("least-confident")]
    [InlineData("margin")]
    [InlineData("entropy")]
    [InlineData("qbc-consensus")]
    [InlineData("expected-change")]
    public void A_class_never_seen_yet_still_counts_in_the_scores(string strategy)
    {
        // Class 2 has no labels yet, so the model gives it almost nothing; the item torn between 0 and 1 still
        // leads, and the scores stay finite.
        float[] pool = [0.98f, 0.02f, 0f, 0.5f, 0.5f, 0f, 0.8f, 0.2f, 0f];
        var selection = QueryStrategies.Select(strategy, Input(pool, batch: 1));

        Assert.Equal(1, selection.Order[0]);
        Assert.All(selection.Scores, s => Assert.True(double.IsFinite(s)));
    }

    [Fact]
    public void Qbc_consensus_is_the_entropy_of_the_averaged_members()
    {
        // Two members, one item: (1, 0) and (0, 1) average to (0.5, 0.5).
        var committee = new CommitteeOutput(2, 1, 2, [1f, 0f, 0f, 1f]);
        Assert.Equal(Math.Log(2), QueryStrategies.Score("qbc-consensus", committee)[0], 6);
    }

    [Fact]
    public void Qbc_kl_is_the_mean_divergence_of_the_members_from_the_consensus()
    {
        // Item 0: members (0.9, 0.1) and (0.1, 0.9), consensus (0.5, 0.5); each KL is 0.9 ln 1.8 + 0.1 ln 0.2.
        // Item 1: members agree, KL 0 (plus the entropy tie-break, below 1e-6).
        var committee = new CommitteeOutput(2, 2, 2, [0.9f, 0.1f, 0.6f, 0.4f, 0.1f, 0.9f, 0.6f, 0.4f]);
        var scores = QueryStrategies.Score("qbc-kl", committee);
        var expected = (0.9 * Math.Log(1.8)) + (0.1 * Math.Log(0.2));
        Assert.Equal(expected, scores[0], 4);
        Assert.InRange(scores[1], 0, 1e-6);
        Assert.Equal(0.0, QueryStrategies.KlDivergence([0.3f, 0.7f], [0.3f, 0.7f]), 9);
    }

    [Fact]
    public void Bald_is_the_mutual_information_of_the_Monte_Carlo_passes()
    {
        // Two passes, two items. Item 0: passes (1, 0) and (0, 1): H(mean) = ln 2, mean H = 0, MI = ln 2.
        // Item 1: both passes (0.5, 0.5): H(mean) = ln 2 = mean H, MI = 0 although it is as uncertain.
        var input = Input([0.5f, 0.5f, 0.5f, 0.5f], classes: 2, batch: 1) with
        {
            MonteCarlo = [1f, 0f, 0.5f, 0.5f, 0f, 1f, 0.5f, 0.5f],
            MonteCarloPasses = 2,
        };
        var selection = QueryStrategies.Select("bald", input);
        Assert.Equal(Math.Log(2), selection.Scores[0], 5);
        Assert.Equal(0, selection.Scores[1], 5);
        Assert.Equal([0, 1], selection.Order);
    }

    [Fact]
    public void Bald_on_a_subsample_ranks_the_covered_items_first()
    {
        // Passes cover only item 2; items 0 and 1 follow, the more uncertain first.
        var input = Input([0.9f, 0.1f, 0.5f, 0.5f, 0.6f, 0.4f], classes: 2, batch: 1) with
        {
            MonteCarlo = [0.9f, 0.1f, 0.8f, 0.2f],
            MonteCarloPasses = 2,
            MonteCarloItems = [2],
        };
        var selection = QueryStrategies.Select("bald", input);
        Assert.Equal([2, 1, 0], selection.Order);
        Assert.True(selection.Scores[2] >= 0);
        Assert.True(selection.Scores[1] < 0 && selection.Scores[0] < selection.Scores[1]);
    }

    [Fact]
    public void Bald_without_passes_uses_the_committee_members_as_samples()
    {
        var committee = new CommitteeOutput(2, 1, 2, [1f, 0f, 0f, 1f]);
        Assert.Equal(Math.Log(2), QueryStrategies.Score("bald", committee)[0], 5);
    }

    [Fact]
    public void Expected_change_follows_the_closed_form_and_scales_with_the_embedding_norm()
    {
        // p = (0.5, 0.5): sum p^2 = 0.5; for either y, sqrt(0.5 - 1 + 1) = sqrt(0.5); EGL = |x| sqrt(0.5).
        // p = (1, 0): the gradient vanishes for the likely label and the other has weight 0: EGL = 0.
        Assert.Equal(Math.Sqrt(0.5), QueryStrategies.ExpectedGradientLength([0.5f, 0.5f], 1), 6);
        Assert.Equal(0, QueryStrategies.ExpectedGradientLength([1f, 0f], 1), 6);
        var selection = QueryStrategies.Select("expected-change", Input([0.5f, 0.5f, 0.5f, 0.5f], classes: 2, batch: 1, embeddings: [3f, 4f, 0.6f, 0.8f]));
        Assert.Equal(5 * Math.Sqrt(0.5), selection.Scores[0], 5);
        Assert.Equal(Math.Sqrt(0.5), selection.Scores[1], 5);
        Assert.Equal(0, selection.Order[0]);
    }

    [Fact]
    public void Density_prefers_an_uncertain_item_in_a_crowd_to_an_equally_uncertain_outlier()
    {
        // Items 0-2 point the same way; item 3 points the opposite way. Items 2 and 3 are equally uncertain.
        float[] pool = [0.9f, 0.1f, 0.9f, 0.1f, 0.5f, 0.5f, 0.5f, 0.5f];
        float[] embeddings = [1f, 0f, 1f, 0.1f, 1f, -0.1f, -1f, 0f];
        var selection = QueryStrategies.Select("density", Input(pool, classes: 2, batch: 1, embeddings: embeddings));

        Assert.Equal(2, selection.Order[0]);
        Assert.True(selection.Scores[2] > selection.Scores[3]);
        // The outlier's mean cosine to the four items (itself included) is about -0.5, so its weight (1 + cos) / 2 is about 0.25.
        Assert.InRange(selection.Scores[3], 0.24, 0.26);
    }

    [Fact]
    public void Coreset_takes_the_item_farthest_from_the_labels_then_covers_the_other_cluster()
    {
        // Labeled item at (0,0): the far cluster is picked first, then the near one's farthest member.
        float[] embeddings = [0f, 0f, 1f, 0f, 10f, 0f, 10.5f, 0f];
        var selection = QueryStrategies.Select("coreset", Input(Four, batch: 2, embeddings: embeddings, labeled: [0f, 0f]));

        Assert.Equal([3, 1], selection.Batch.ToArray());
        Assert.Equal(10.5 * 10.5, selection.Scores[3], 3);
        Assert.Equal([3, 1, 2, 0], selection.Order);
    }

    [Fact]
    public void Coreset_without_labels_starts_at_the_centre_and_spreads_out()
    {
        float[] embeddings = [0f, 0f, 4f, 0f, 5f, 0f, 10f, 0f];
        var selection = QueryStrategies.Select("coreset", Input(Four, batch: 2, embeddings: embeddings));

        // The mean is (4.75, 0): item 2 (at 5) is the most central; item 0 is farthest from it.
        Assert.Equal([2, 0], selection.Batch.ToArray());
    }

    [Fact]
    public void Typical_takes_the_centre_of_each_cluster_and_skips_clusters_the_labels_cover()
    {
        // Three tight clusters of three; the middle item of each is its centre.
        float[] embeddings =
        [
            -0.1f, 0f, 0f, 0f, 0.1f, 0f,
            9.9f, 0f, 10f, 0f, 10.1f, 0f,
            0f, 19.9f, 0f, 20f, 0f, 20.1f,
        ];
        var uniform = Enumerable.Repeat(0.5f, 18).ToArray();
        var cold = QueryStrategies.Select("typical", Input(uniform, classes: 2, batch: 3, embeddings: embeddings));
        Assert.Equal([1, 4, 7], cold.Batch.ToArray().Order());

        // A label near (10, 0) covers the second cluster: the batch of two skips it.
        var covered = QueryStrategies.Select("typical", Input(uniform, classes: 2, batch: 2, embeddings: embeddings, labeled: [10f, 0.05f]));
        Assert.Equal([1, 7], covered.Batch.ToArray().Order());
    }

    [Fact]
    public void Diverse_batches_are_not_near_duplicates()
    {
        // The two most uncertain items are duplicates; margin alone takes both, margin+diverse only one.
        float[] pool = [0.5f, 0.5f, 0.5f, 0.5f, 0.6f, 0.4f, 0.9f, 0.1f];
        float[] embeddings = [0f, 0f, 0f, 0f, 8f, 8f, 3f, 3f];
        var plain = QueryStrategies.Select("margin", Input(pool, classes: 2, batch: 2, embeddings: embeddings));
        var diverse = QueryStrategies.Select("margin+diverse", Input(pool, classes: 2, batch: 2, embeddings: embeddings));

        Assert.Equal([0, 1], plain.Batch.ToArray());
        Assert.Equal(0, diverse.Batch[0]);
        Assert.NotEqual(1, diverse.Batch[1]);
        // Past the batch the rest follows the margin score.
        Assert.Equal(plain.Scores, diverse.Scores);
    }

    [Fact]
    public void Strategies_that_need_embeddings_fall_back_without_them_and_say_so()
    {
        var input = Input(Four, batch: 2);
        Assert.Equal("margin", QueryStrategies.Select("margin+diverse", input).Strategy);
        Assert.Equal("margin", QueryStrategies.Select("density", input).Strategy);
        Assert.Equal("margin", QueryStrategies.Select("coreset", input).Strategy);
        Assert.Equal("random", QueryStrategies.Select("typical", input).Strategy);
        Assert.Equal("expected-change", QueryStrategies.Select("expected-change", input).Strategy);
    }

    [Fact]
    public void Names_are_parsed_and_checked()
    {
        Assert.True(QueryStrategies.IsSupported("bald+diverse"));
        Assert.True(QueryStrategies.IsSupported("margin+diverse"));
        Assert.False(QueryStrategies.IsSupported("coreset+diverse"));
        Assert.False(QueryStrategies.IsSupported("random+diverse"));
        Assert.False(QueryStrategies.IsSupported("margin+diverse+diverse"));
        Assert.Equal(("entropy", true), QueryStrategies.Parse("entropy+diverse"));
        Assert.Equal(StrategyNeeds.MonteCarlo | StrategyNeeds.Embeddings, QueryStrategies.Needs("bald+diverse"));
        Assert.Equal(StrategyNeeds.None, QueryStrategies.Needs("qbc-kl"));
        Assert.Contains(QueryStrategies.ProjectDefault, QueryStrategies.Supported);
        Assert.Throws<DomainValidationException>(() => QueryStrategies.Select("psychic", Input(Four)));
    }

    [Fact]
    public void Top_k_keeps_the_highest_scores_in_order_and_skips_NaN()
    {
        Assert.Equal([2, 0, 3], QueryStrategies.TopK([0.5, double.NaN, 0.9, 0.5, 0.1], 3));
        Assert.Empty(QueryStrategies.TopK([0.5], 0));
        Assert.Empty(QueryStrategies.TopK([double.NaN, double.NaN], 5));
    }

    [Fact]
    public void A_million_item_pool_is_scored_in_chunks_and_its_top_k_matches_whole_pool_scoring()
    {
        const int items = 1_000_000, chunk = 65_536, classes = 4;
        var scores = new double[items];
        var random = new Random(5);
        for (var start = 0; start < items; start += chunk)
        {
            var n = Math.Min(chunk, items - start);
            var probabilities = new float[n * classes];
            for (var i = 0; i < n; i++)
            {
                var a = (float)random.NextDouble();
                var b = (float)random.NextDouble() * (1 - a);
                probabilities[(i * classes) + 0] = a;
                probabilities[(i * classes) + 1] = b;
                probabilities[(i * classes) + 2] = (1 - a - b) / 2;
                probabilities[(i * classes) + 3] = (1 - a - b) / 2;
            }
            QueryStrategies.ScoreChunk("margin", new CommitteeOutput(1, n, classes, probabilities), scores.AsSpan(start, n), start);
        }
        var top = QueryStrategies.TopK(scores, 100);

        Assert.Equal(100, top.Length);
        var threshold = scores[top[^1]];
        Assert.Equal(100, scores.Count(s => s > threshold) + top.Count(i => scores[i] == threshold));
        Assert.True(top.Zip(top.Skip(1)).All(p => scores[p.First] >= scores[p.Second]));
    }

    [Fact]
    public void Random_chunks_score_as_the_whole_pool_does()
    {
        var whole = QueryStrategies.Score("random", new CommitteeOutput(1, 6, 1, new float[6]), 9);
        var chunked = new double[6];
        QueryStrategies.ScoreChunk("random", new CommitteeOutput(1, 4, 1, new float[4]), chunked.AsSpan(0, 4), 0, 9);
        QueryStrategies.ScoreChunk("random", new CommitteeOutput(1, 2, 1, new float[2]), chunked.AsSpan(4, 2), 4, 9);
        Assert.Equal(whole, chunked);
        Assert.Throws<DomainValidationException>(() => QueryStrategies.ScoreChunk("coreset", new CommitteeOutput(1, 1, 1, [1f]), new double[1], 0));
    }

    [Fact]
    public void Cold_start_ranks_by_typical_until_every_class_has_enough_labels()
    {
        Assert.Equal("typical", ColdStart.Resolve("margin+diverse", [3, 2, 5], 3));
        Assert.Equal("margin+diverse", ColdStart.Resolve("margin+diverse", [3, 3, 5], 3));
        Assert.Equal("margin", ColdStart.Resolve("margin", [0, 0], 0));
        Assert.Equal("random", ColdStart.Resolve("random", [0, 0], 3));
    }

    [Fact]
    public void The_first_items_are_one_per_cluster_biggest_first_and_clusters_the_labels_cover_come_last()
    {
        // Three groups on a line, 6, 4 and 2 items, each spread a little around its centre (0, 10, 20).
        float[] pool = [-0.2f, -0.1f, 0f, 0f, 0.1f, 0.2f, 9.9f, 10f, 10f, 10.1f, 19.9f, 20.1f];

        var first = ColdStart.FirstItems(pool, 1, 3, labeledEmbeddings: null, seed: 1);
        var covered = ColdStart.FirstItems(pool, 1, 1, labeledEmbeddings: [0.05f], seed: 1);

        // The item nearest each group's centre, the biggest group first.
        Assert.Equal(3, first.Count);
        Assert.Equal(0f, pool[first[0]]);
        Assert.Equal(10f, pool[first[1]]);
        Assert.Equal(20f, Math.Round(pool[first[2]]));
        // With a label in the biggest group, the next item comes from another.
        Assert.True(pool[Assert.Single(covered)] > 5);
        Assert.Empty(ColdStart.FirstItems([], 4, 3, null, 1));
        Assert.Equal(12, ColdStart.FirstItems(pool, 1, 50, null, 1).Count);
    }
}
