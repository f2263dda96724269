namespace LabelLoop.Core.Embeddings;

/// <summary>
/// How well an encoder's embeddings separate the classes of the items whose labels are known: the quality
/// report of each encoder version. Both measures are standard in self-supervised learning: k-nearest-neighbour
/// accuracy (no training at all) and linear-probe accuracy (a softmax regression on frozen embeddings).
/// </summary>
/// <remarks>Embeddings are items x <c>dim</c>, row-major. Labels are class indices in [0, classes).</remarks>
public static class EmbeddingQuality
{
    /// <summary>
    /// Leave-one-out k-NN accuracy with cosine similarity: each item is classified by the majority label of its
    /// <paramref name="k"/> most similar other items (a tie goes to the class of the nearest among the tied).
    /// Quadratic in the item count: pass a sample (a few thousand items) for large sets.
    /// </summary>
    /// <returns>Accuracy in [0, 1], or null with fewer than two items.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired (checked once per item).</exception>
    public static double? KnnAccuracy(
        ReadOnlySpan<float> embeddings, int dim, IReadOnlyList<int> labels, int classes, int k = 10, CancellationToken cancellationToken = default)
    {
        var n = Check(embeddings, dim, labels, classes);
        if (n < 2)
        {
            return null;
        }
        k = Math.Clamp(k, 1, n - 1);
        var unit = Normalized(embeddings, dim, n);
        var similarities = new float[n];
        var order = new int[n];
        var votes = new int[classes];
        var correct = 0;
        for (var i = 0; i < n; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var a = unit.AsSpan(i * dim, dim);
            for (var j = 0; j < n; j++)
            {
                similarities[j] = j == i ? float.NegativeInfinity : Dot(a, unit.AsSpan(j * dim, dim));
                order[j] = j;
            }
            // Partial selection would be faster; a full sort keeps this simple and n is a sample.
            Array.Sort(similarities, order);
            Array.Clear(votes);
            var best = -1;
            for (var r = 0; r < k; r++)
            {
                var label = labels[order[n - 1 - r]];
                votes[label]++;
                if (best < 0 || votes[label] > votes[best])
                {
                    best = label;
                }
            }
            if (best == labels[i])
            {
                correct++;
            }
        }
        return (double)correct / n;
    }

    /// <summary>
    /// Linear-probe accuracy: a multinomial logistic regression on standardised embeddings, trained by full-batch
    /// gradient descent on a random (1 - <paramref name="testFraction"/>) of the items and scored on the rest.
    /// </summary>
    /// <returns>Held-out accuracy in [0, 1], or null when the split leaves no training or test item.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired (checked once per step).</exception>
    public static double? LinearProbeAccuracy(
        ReadOnlySpan<float> embeddings, int dim, IReadOnlyList<int> labels, int classes,
        double testFraction = 0.3, int steps = 300, double learningRate = 0.5, double l2 = 1e-3, int seed = 1,
        CancellationToken cancellationToken = default)
    {
        var n = Check(embeddings, dim, labels, classes);
        var shuffled = Enumerable.Range(0, n).ToArray();
        new Random(seed).Shuffle(shuffled);
        var nTest = (int)Math.Round(n * testFraction);
        if (nTest < 1 || n - nTest < 1)
        {
            return null;
        }
        var test = shuffled[..nTest];
        var train = shuffled[nTest..];

        // Standardise with the training items' mean and deviation, so one step size suits every encoder.
        var mean = new double[dim];
        var std = new double[dim];
        foreach (var i in train)
        {
            for (var d = 0; d < dim; d++)
            {
                mean[d] += embeddings[(i * dim) + d];
            }
        }
        for (var d = 0; d < dim; d++)
        {
            mean[d] /= train.Length;
        }
        foreach (var i in train)
        {
            for (var d = 0; d < dim; d++)
            {
                var x = embeddings[(i * dim) + d] - mean[d];
                std[d] += x * x;
            }
        }
        for (var d = 0; d < dim; d++)
        {
            std[d] = Math.Sqrt(std[d] / train.Length) + 1e-6;
        }
        var features = new double[n * dim];
        for (var i = 0; i < n; i++)
        {
            for (var d = 0; d < dim; d++)
            {
                features[(i * dim) + d] = (embeddings[(i * dim) + d] - mean[d]) / std[d];
            }
        }

        var weights = new double[classes * (dim + 1)];
        var gradient = new double[weights.Length];
        var p = new double[classes];
        for (var step = 0; step < steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Array.Clear(gradient);
            foreach (var i in train)
            {
                var x = features.AsSpan(i * dim, dim);
                Softmax(weights, x, dim, p);
                for (var c = 0; c < classes; c++)
                {
                    var error = p[c] - (labels[i] == c ? 1.0 : 0.0);
                    var row = gradient.AsSpan(c * (dim + 1), dim + 1);
                    for (var d = 0; d < dim; d++)
                    {
                        row[d] += error * x[d];
                    }
                    row[dim] += error;
                }
            }
            for (var w = 0; w < weights.Length; w++)
            {
                var isBias = w % (dim + 1) == dim;
                weights[w] -= learningRate * ((gradient[w] / train.Length) + (isBias ? 0 : l2 * weights[w]));
            }
        }
        var correct = 0;
        foreach (var i in test)
        {
            Softmax(weights, features.AsSpan(i * dim, dim), dim, p);
            var best = 0;
            for (var c = 1; c < classes; c++)
            {
                if (p[c] > p[best])
                {
                    best = c;
                }
            }
            if (best == labels[i])
            {
                correct++;
            }
        }
        return (double)correct / test.Length;
    }

    private static int Check(ReadOnlySpan<float> embeddings, int dim, IReadOnlyList<int> labels, int classes)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        if (embeddings.Length != (long)labels.Count * dim)
        {
            throw new ArgumentException($"Expected {labels.Count} x {dim} embedding values, got {embeddings.Length}.", nameof(embeddings));
        }
        for (var i = 0; i < labels.Count; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
            {
                throw new ArgumentException($"Label {labels[i]} of item {i} is outside [0, {classes}).", nameof(labels));
            }
        }
        foreach (var v in embeddings)
        {
            if (!float.IsFinite(v))
            {
                throw new ArgumentException("Embeddings must be finite.", nameof(embeddings));
            }
        }
        return labels.Count;
    }

    private static float[] Normalized(ReadOnlySpan<float> embeddings, int dim, int n)
    {
        var unit = embeddings.ToArray();
        for (var i = 0; i < n; i++)
        {
            var row = unit.AsSpan(i * dim, dim);
            var norm = MathF.Sqrt(Dot(row, row));
            if (norm > 0)
            {
                foreach (ref var v in row)
                {
                    v /= norm;
                }
            }
        }
        return unit;
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static void Softmax(double[] weights, ReadOnlySpan<double> x, int dim, double[] p)
    {
        var max = double.NegativeInfinity;
        for (var c = 0; c < p.Length; c++)
        {
            var row = weights.AsSpan(c * (dim + 1), dim + 1);
            var z = row[dim];
            for (var d = 0; d < dim; d++)
            {
                z += row[d] * x[d];
            }
            p[c] = z;
            max = Math.Max(max, z);
        }
        var sum = 0.0;
        for (var c = 0; c < p.Length; c++)
        {
            p[c] = Math.Exp(p[c] - max);
            sum += p[c];
        }
        for (var c = 0; c < p.Length; c++)
        {
            p[c] /= sum;
        }
    }
}
