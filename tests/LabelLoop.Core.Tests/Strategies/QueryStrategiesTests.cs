using LabelLoop.Core.Strategies;
using Xunit;

namespace LabelLoop.Core.Tests.Strategies;

public sealed class QueryStrategiesTests
{
    // Three items, three classes: confident, torn between two, uniform.
    private static readonly float[] Pool =
    [
        0.90f, 0.05f, 0.05f,
        0.45f, 0.45f, 0.10f,
        1 / 3f, 1 / 3f, 1 / 3f,
    ];

    private static CommitteeOutput One(params float[] probabilities) => new(1, probabilities.Length / 3, 3, probabilities);

    [Fact]
    public void Least_confident_is_one_minus_the_top_probability()
    {
        var scores = QueryStrategies.Score("least-confident", One(Pool));
        Assert.Equal(0.10, scores[0], 5);
        Assert.Equal(0.55, scores[1], 5);
        Assert.Equal(2 / 3.0, scores[2], 5);
    }

    [Fact]
    public void Margin_prefers_the_item_torn_between_two_classes()
    {
        var scores = QueryStrategies.Score("margin", One(Pool));
        Assert.Equal(0.15, scores[0], 5);
        Assert.Equal(1.0, scores[1], 5);
        Assert.Equal(1.0, scores[2], 5);
        Assert.Equal([1, 2, 0], QueryStrategies.Rank(scores));
    }

    [Fact]
    public void Entropy_is_highest_for_the_uniform_item()
    {
        var scores = QueryStrategies.Score("entropy", One(Pool));
        Assert.Equal(Math.Log(3), scores[2], 5);
        Assert.Equal([2, 1, 0], QueryStrategies.Rank(scores));
    }

    [Fact]
    public void Entropy_ignores_zero_probabilities() =>
        Assert.Equal(0.0, QueryStrategies.EntropyScore([1f, 0f, 0f]));

    [Fact]
    public void Committee_scores_use_the_mean_of_the_members()
    {
        // Member A is sure of class 0, member B of class 1: the consensus is torn.
        var committee = new CommitteeOutput(2, 1, 2, [1f, 0f, 0f, 1f]);
        Assert.Equal([0.5f, 0.5f], committee.Mean());
        Assert.Equal(1.0, QueryStrategies.Score("margin", committee)[0], 5);
    }

    [Fact]
    public void Qbc_vote_ranks_disagreement_first_and_breaks_ties_by_consensus_entropy()
    {
        // Item 0: members agree (confidently); item 1: members split 1-1; item 2: agree but unsure.
        var committee = new CommitteeOutput(2, 3, 2,
        [
            0.9f, 0.1f, 0.8f, 0.2f, 0.6f, 0.4f,
            0.9f, 0.1f, 0.3f, 0.7f, 0.55f, 0.45f,
        ]);
        var scores = QueryStrategies.Score("qbc-vote", committee);
        Assert.Equal([2, 0], committee.Votes(0));
        Assert.Equal([1, 1], committee.Votes(1));
        Assert.Equal([1, 2, 0], QueryStrategies.Rank(scores));
        Assert.Equal(Math.Log(2), QueryStrategies.VoteEntropy([1, 1], 2), 5);
    }

    [Fact]
    public void Qbc_vote_counts_only_the_voters_when_the_first_member_is_left_out()
    {
        // Three members, two items. Item 0: the first member alone disagrees; item 1: the other two split.
        float[] probabilities =
        [
            0.1f, 0.9f, 0.9f, 0.1f,
            0.9f, 0.1f, 0.8f, 0.2f,
            0.9f, 0.1f, 0.2f, 0.8f,
        ];
        var everyone = new CommitteeOutput(3, 2, 2, probabilities);
        var voters = new CommitteeOutput(3, 2, 2, probabilities, firstVoter: 1);

        Assert.Equal(everyone.Votes(0), voters.Votes(0));
        Assert.Equal([2, 1], voters.Votes(0));
        Assert.Equal([2, 0], voters.VoterVotes(0));
        Assert.Equal([1, 1], voters.VoterVotes(1));
        Assert.Equal(2, voters.Voters);
        // Counting every member both items split 2-1; counting the voters only item 1 is in dispute.
        Assert.Equal(QueryStrategies.VoteEntropy([2, 1], 3), QueryStrategies.Score("qbc-vote", everyone)[0], 2);
        Assert.Equal([1, 0], QueryStrategies.Rank(QueryStrategies.Score("qbc-vote", voters)));
        Assert.True(QueryStrategies.Score("qbc-vote", voters)[0] < 0.01);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CommitteeOutput(3, 2, 2, probabilities, firstVoter: 3));
    }

    [Fact]
    public void Random_is_reproducible_per_seed_and_differs_between_seeds()
    {
        var output = One([.. Pool, .. Pool, .. Pool]);
        Assert.Equal(QueryStrategies.Score("random", output, 7), QueryStrategies.Score("random", output, 7));
        Assert.NotEqual(QueryStrategies.Score("random", output, 7), QueryStrategies.Score("random", output, 8));
        Assert.All(QueryStrategies.Score("random", output, 7), s => Assert.InRange(s, 0, 1));
    }

    [Theory]
    [InlineData("least-confident")]
    [InlineData("margin")]
    [InlineData("entropy")]
    [InlineData("qbc-vote")]
    public void Rows_with_NaN_score_NaN_and_rank_last(string strategy)
    {
        var output = One(0.2f, 0.3f, 0.5f, float.NaN, 0.5f, 0.5f, 0.9f, 0.05f, 0.05f);
        var scores = QueryStrategies.Score(strategy, output);
        Assert.True(double.IsNaN(scores[1]));
        Assert.Equal(1, QueryStrategies.Rank(scores)[^1]);
    }

    [Fact]
    public void Equal_scores_keep_pool_order()
    {
        Assert.Equal([0, 1, 2, 3], QueryStrategies.Rank([0.5, 0.5, 0.5, 0.5]));
        Assert.Equal([2, 0, 3, 1], QueryStrategies.Rank([0.5, double.NaN, 0.9, 0.5]));
    }

    [Fact]
    public void Tiny_pools_work()
    {
        Assert.Empty(QueryStrategies.Score("margin", new CommitteeOutput(3, 0, 4, [])));
        Assert.Empty(QueryStrategies.Rank([]));
        Assert.Equal([0], QueryStrategies.Rank(QueryStrategies.Score("entropy", One(0.2f, 0.3f, 0.5f))));
    }

    [Fact]
    public void Unknown_strategies_are_refused_with_the_known_names()
    {
        var error = Assert.Throws<DomainValidationException>(() => QueryStrategies.Score("bogus", One(Pool)));
        Assert.Contains("margin", error.Message);
        Assert.False(QueryStrategies.IsSupported("bogus"));
        Assert.True(QueryStrategies.IsSupported("qbc-vote"));
    }

    [Fact]
    public void Top_two_takes_the_first_index_on_ties() =>
        Assert.Equal((1, 2), QueryStrategies.TopTwo([0.1f, 0.45f, 0.45f]));
}
