using LabelLoop.Core.Strategies;
using LabelLoop.Jobs.Training;
using LabelLoop.Ml.Text;
using Xunit;

namespace LabelLoop.Jobs.Tests.Training;

/// <summary>The text sketch the cold start and the diverse batches read: latent topics of the tf-idf rows.</summary>
public sealed class LatentTopicsTests
{
    private static readonly string[][] Topics =
    [
        ["planet", "orbit", "rocket", "telescope", "comet", "galaxy", "nebula", "asteroid"],
        ["recipe", "oven", "flour", "butter", "sauce", "garlic", "simmer", "pastry"],
        ["court", "judge", "lawyer", "verdict", "appeal", "witness", "trial", "statute"],
        ["guitar", "melody", "chorus", "drummer", "tempo", "lyrics", "concert", "violin"],
    ];

    private static readonly string[] Filler =
        ["the", "a", "of", "and", "today", "we", "saw", "it", "is", "very", "new", "old", "good", "big", "there", "then"];

    /// <summary>Short texts of four topics: two words of their topic among six filler words every topic shares.</summary>
    private static (SparseFeatures Features, int[] Topic) Texts(int count, int seed)
    {
        var (texts, topic) = ToyTexts.Make(Topics, Filler, count, seed);
        var encoded = TextTokenizer.Build(texts).Encode(texts);
        return (SparseFeatures.HashedText(InputMatrix.OfTokens(encoded.Ids, encoded.MaxTokens, texts)), topic);
    }

    [Fact]
    public void The_cold_starts_first_items_on_the_topics_are_one_of_each_topic()
    {
        var (features, topic) = Texts(400, seed: 3);
        var rows = Enumerable.Range(0, features.Rows).ToList();

        var topics = LatentTopics.Fit(features, 8);
        var sketch = topics.Project(rows);

        // Six filler words every topic shares against two topic words per text: on the topics, two typical items per
        // topic asked for are items of every topic, whatever the k-means seed.
        Assert.All(Enumerable.Range(1, 10), seed =>
        {
            var first = ColdStart.FirstItems(sketch, topics.Dim, 2 * Topics.Length, labeledEmbeddings: null, seed);
            Assert.Equal(Enumerable.Range(0, Topics.Length), first.Select(i => topic[i]).Distinct().Order());
        });
        // Rows come back at unit length, in the order asked, the same on every fit.
        Assert.All(rows, r => Assert.InRange(EmbeddingGeometry.Dot(EmbeddingGeometry.Row(sketch, 8, r), EmbeddingGeometry.Row(sketch, 8, r)), 0.999f, 1.001f));
        Assert.Equal(EmbeddingGeometry.Row(sketch, 8, 17).ToArray(), topics.Project([17]));
        Assert.Equal(sketch, LatentTopics.Fit(features, 8).Project(rows));
    }

    [Fact]
    public void Fewer_rows_than_topics_give_zero_topics_beyond_the_rank_and_no_failure()
    {
        var (features, _) = Texts(3, seed: 1);

        var sketch = LatentTopics.Fit(features, 16).Project([0, 1, 2]);

        Assert.Equal(3 * 16, sketch.Length);
        Assert.All(sketch, v => Assert.True(float.IsFinite(v)));
        // Three rows span at most three topics.
        Assert.All(Enumerable.Range(0, 3), r => Assert.All(sketch.AsSpan((r * 16) + 3, 13).ToArray(), v => Assert.Equal(0f, v)));
    }

    [Fact]
    public void The_eigen_solver_returns_orthonormal_vectors_that_rebuild_the_matrix()
    {
        const int n = 12;
        var random = new Random(5);
        var matrix = new double[n * n];
        for (var a = 0; a < n; a++)
        {
            for (var b = 0; b <= a; b++)
            {
                matrix[(a * n) + b] = matrix[(b * n) + a] = random.NextDouble() - 0.5;
            }
        }

        var (values, vectors) = LatentTopics.SymmetricEigen(matrix, n);

        for (var a = 0; a < n; a++)
        {
            for (var b = 0; b < n; b++)
            {
                double rebuilt = 0, gram = 0;
                for (var k = 0; k < n; k++)
                {
                    rebuilt += vectors[(a * n) + k] * values[k] * vectors[(b * n) + k];
                    gram += vectors[(k * n) + a] * vectors[(k * n) + b];
                }
                Assert.InRange(rebuilt - matrix[(a * n) + b], -1e-9, 1e-9);
                Assert.InRange(gram - (a == b ? 1 : 0), -1e-9, 1e-9);
            }
        }
    }
}
