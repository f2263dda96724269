using LabelLoop.Core.Embeddings;
using Xunit;

namespace LabelLoop.Core.Tests.Embeddings;

public sealed class EmbeddingQualityTests
{
    // Two tight clusters on the unit circle: class 0 near angle 0, class 1 near angle pi/2.
    private static (float[] Embeddings, int[] Labels) TwoClusters(int perClass, double spread, int seed)
    {
        var random = new Random(seed);
        var embeddings = new List<float>();
        var labels = new List<int>();
        for (var c = 0; c < 2; c++)
        {
            for (var i = 0; i < perClass; i++)
            {
                var angle = (c * Math.PI / 2) + ((random.NextDouble() - 0.5) * spread);
                embeddings.Add((float)Math.Cos(angle));
                embeddings.Add((float)Math.Sin(angle));
                labels.Add(c);
            }
        }
        return ([.. embeddings], [.. labels]);
    }

    [Fact]
    public void Separated_clusters_score_perfectly_on_both_measures()
    {
        var (embeddings, labels) = TwoClusters(30, spread: 0.5, seed: 1);

        Assert.Equal(1.0, EmbeddingQuality.KnnAccuracy(embeddings, 2, labels, classes: 2, k: 5, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(1.0, EmbeddingQuality.LinearProbeAccuracy(embeddings, 2, labels, classes: 2, cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Embeddings_that_ignore_the_label_score_near_chance()
    {
        var random = new Random(2);
        var embeddings = Enumerable.Range(0, 400).Select(_ => (float)random.NextDouble()).ToArray();
        var labels = Enumerable.Range(0, 200).Select(i => i % 2).ToArray();

        Assert.InRange(EmbeddingQuality.KnnAccuracy(embeddings, 2, labels, 2, cancellationToken: TestContext.Current.CancellationToken)!.Value, 0.35, 0.65);
        Assert.InRange(EmbeddingQuality.LinearProbeAccuracy(embeddings, 2, labels, 2, cancellationToken: TestContext.Current.CancellationToken)!.Value, 0.3, 0.7);
    }

    [Fact]
    public void Knn_uses_the_k_nearest_by_cosine_leaving_the_item_itself_out()
    {
        // Points on the unit circle at these angles; the last one is a class-1 outlier inside class 0.
        // k = 1, nearest by angle: 0 -> 10 (c0, right); 10 -> 0 (right); 30 -> 22 (c1, wrong); 90 -> 80 (right);
        // 80 -> 90 (right); 22 -> 30 (c0, wrong): 4 of 6.
        double[] degrees = [0, 10, 30, 90, 80, 22];
        int[] labels = [0, 0, 0, 1, 1, 1];
        var embeddings = degrees.SelectMany(d => new[] { (float)Math.Cos(d * Math.PI / 180), (float)Math.Sin(d * Math.PI / 180) }).ToArray();

        Assert.Equal(4.0 / 6, EmbeddingQuality.KnnAccuracy(embeddings, 2, labels, 2, k: 1, cancellationToken: TestContext.Current.CancellationToken)!.Value, 6);
    }

    [Fact]
    public void Too_few_items_give_no_figure_and_bad_input_is_named()
    {
        Assert.Null(EmbeddingQuality.KnnAccuracy([1f, 0f], 2, [0], 2, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Null(EmbeddingQuality.LinearProbeAccuracy([1f, 0f], 2, [0], 2, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("outside", Assert.Throws<ArgumentException>(() => EmbeddingQuality.KnnAccuracy([1f, 0f, 0f, 1f], 2, [0, 3], 2, cancellationToken: TestContext.Current.CancellationToken)).Message, StringComparison.Ordinal);
        Assert.Contains("finite", Assert.Throws<ArgumentException>(() => EmbeddingQuality.KnnAccuracy([float.NaN, 0f, 0f, 1f], 2, [0, 1], 2, cancellationToken: TestContext.Current.CancellationToken)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => EmbeddingQuality.KnnAccuracy([1f, 0f, 0f], 2, [0, 1], 2, cancellationToken: TestContext.Current.CancellationToken));
    }
}
