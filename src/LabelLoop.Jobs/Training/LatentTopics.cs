using System.Numerics;
using System.Runtime.InteropServices;
using LabelLoop.Core.Strategies;

namespace LabelLoop.Jobs.Training;

/// <summary>
/// Latent semantic analysis of <see cref="SparseFeatures"/> rows: the leading right singular vectors of the tf-idf
/// matrix (found by a randomized range finder with power iterations), so that an item's dense sketch says which word
/// and character patterns it shares with the rest of the pool, not only how it differs.
/// </summary>
/// <remarks>
/// <para>A random projection keeps the distances between tf-idf rows, and short texts are nearly orthogonal to one
/// another: their sketches sit at about the same distance from every other, and k-means on them splits the pool
/// almost at random. The singular directions are the patterns many rows share (topics), so the rows of one topic land
/// close together; k-means on unit-length LSA rows is the usual way to cluster documents.</para>
/// <para>The basis is learned from every row given, with no labels, like the inverse document frequencies. Cost: seven
/// passes over the non-zero entries times (dim + 10), and dense work on rows x (dim + 10) matrices: 0.9 s for 9,777
/// texts on two cores, where the random projection took 1.6 s (<c>labelloop bench topics</c>).</para>
/// </remarks>
public sealed class LatentTopics
{
    /// <summary>
    /// Topics a linear text model's sketch keeps. On three text sets (10 seeds each, bench/active-learning.md) 32 topics
    /// raised margin, qbc-vote and the default strategy by 0.9 to 2.4 points over 100-300 labels on two of them and
    /// cost 0.2 to 0.8 on the third, against the random projection before; 64 and 128 lost up to 1.4 on the third.
    /// </summary>
    public const int Count = 32;

    /// <summary>Extra random directions of the range finder beyond the ones kept.</summary>
    private const int Oversampling = 10;

    /// <summary>
    /// Power iterations: each sharpens the leading directions against the long tail of the spectrum. Five measured
    /// within the seeds' noise of two on three text sets and took twice as long.
    /// </summary>
    private const int PowerIterations = 2;

    /// <summary>Every row's coordinates on the topics (rows x <see cref="Dim"/>), unit length.</summary>
    private readonly float[] _coordinates;

    private LatentTopics(int dim, float[] coordinates)
    {
        Dim = dim;
        _coordinates = coordinates;
    }

    /// <summary>Width of a sketch: the topics kept (zeros beyond the rank of the rows).</summary>
    public int Dim { get; }

    /// <summary>The <paramref name="dim"/> leading topics of <paramref name="features"/>' rows, and every row's place on them.</summary>
    public static LatentTopics Fit(SparseFeatures features, int dim, int seed = 17)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        var n = features.Rows;
        var index = new int[1 << SparseFeatures.Bits];
        Array.Fill(index, -1);
        var used = 0;
        foreach (var column in features.Columns)
        {
            if (index[column] < 0)
            {
                index[column] = used++;
            }
        }
        var width = Math.Min(dim + Oversampling, Math.Min(n, used));
        var coordinates = new float[(long)n * dim];
        if (width == 0)
        {
            return new LatentTopics(dim, coordinates);
        }
        // Matrices are row-major with rows padded to whole SIMD vectors; the padding stays zero.
        var stride = (width + Vector<float>.Count - 1) / Vector<float>.Count * Vector<float>.Count;
        // Range finder: Q spans X Omega for a random Omega, sharpened by (X X^T)^q.
        var random = new Random(seed);
        var omega = new float[used * stride];
        for (var r = 0; r < used; r++)
        {
            for (var k = 0; k < width; k++)
            {
                omega[(r * stride) + k] = (float)(random.NextDouble() - 0.5);
            }
        }
        var q = Times(features, index, omega, stride);
        Orthonormalize(q, n, width, stride);
        float[] y;
        for (var p = 0; ; p++)
        {
            y = Times(features, index, TransposeTimes(features, index, q, used, stride), stride);
            if (p == PowerIterations)
            {
                break;
            }
            q = y;
            Orthonormalize(q, n, width, stride);
        }
        // Q^T X X^T Q = W diag(s^2) W^T; the rows' coordinates X V = U S = Q W S.
        var gram = new double[width * width];
        for (var r = 0; r < n; r++)
        {
            var qr = q.AsSpan(r * stride, width);
            var yr = y.AsSpan(r * stride, width);
            for (var a = 0; a < width; a++)
            {
                for (var b = 0; b < width; b++)
                {
                    gram[(a * width) + b] += (double)qr[a] * yr[b];
                }
            }
        }
        for (var a = 0; a < width; a++)
        {
            for (var b = 0; b < a; b++)
            {
                gram[(a * width) + b] = gram[(b * width) + a] = (gram[(a * width) + b] + gram[(b * width) + a]) / 2;
            }
        }
        var (values, vectors) = SymmetricEigen(gram, width);
        var order = Enumerable.Range(0, width).OrderByDescending(i => values[i]).Take(Math.Min(dim, width)).ToArray();
        for (var r = 0; r < n; r++)
        {
            var qr = q.AsSpan(r * stride, width);
            var target = coordinates.AsSpan(r * dim, dim);
            for (var k = 0; k < order.Length; k++)
            {
                var column = order[k];
                double sum = 0;
                for (var a = 0; a < width; a++)
                {
                    sum += qr[a] * vectors[(a * width) + column];
                }
                target[k] = (float)(sum * Math.Sqrt(Math.Max(values[column], 0)));
            }
            var norm = MathF.Sqrt(EmbeddingGeometry.Dot(target, target));
            if (norm > 0)
            {
                for (var k = 0; k < dim; k++)
                {
                    target[k] /= norm;
                }
            }
        }
        return new LatentTopics(dim, coordinates);
    }

    /// <summary>The rows' coordinates on the topics, each of unit length (rows with no features stay zero).</summary>
    public float[] Project(IReadOnlyList<int> rows) => EmbeddingGeometry.Gather(_coordinates, Dim, rows);

    /// <summary>X M: rows x stride, for M (used columns x stride).</summary>
    private static float[] Times(SparseFeatures x, int[] index, float[] m, int stride)
    {
        var output = new float[x.Rows * stride];
        for (var r = 0; r < x.Rows; r++)
        {
            var target = output.AsSpan(r * stride, stride);
            for (var e = x.Starts[r]; e < x.Starts[r + 1]; e++)
            {
                AddScaled(target, m.AsSpan(index[x.Columns[e]] * stride, stride), x.Values[e]);
            }
        }
        return output;
    }

    /// <summary>X^T M: used columns x stride, for M (rows x stride).</summary>
    private static float[] TransposeTimes(SparseFeatures x, int[] index, float[] m, int used, int stride)
    {
        var output = new float[used * stride];
        for (var r = 0; r < x.Rows; r++)
        {
            var source = m.AsSpan(r * stride, stride);
            for (var e = x.Starts[r]; e < x.Starts[r + 1]; e++)
            {
                AddScaled(output.AsSpan(index[x.Columns[e]] * stride, stride), source, x.Values[e]);
            }
        }
        return output;
    }

    /// <summary>target += scale * source, a whole number of SIMD vectors long.</summary>
    private static void AddScaled(Span<float> target, ReadOnlySpan<float> source, float scale)
    {
        var targets = MemoryMarshal.Cast<float, Vector<float>>(target);
        var sources = MemoryMarshal.Cast<float, Vector<float>>(source);
        var factor = new Vector<float>(scale);
        for (var i = 0; i < targets.Length; i++)
        {
            targets[i] += sources[i] * factor;
        }
    }

    /// <summary>
    /// Modified Gram-Schmidt on the first <paramref name="width"/> columns of a row-major rows x stride matrix, in
    /// place, twice for accuracy (sums in double); dependent columns become zero.
    /// </summary>
    private static void Orthonormalize(float[] rowMajor, int rows, int width, int stride)
    {
        var a = new double[rows * width];
        for (var r = 0; r < rows; r++)
        {
            for (var j = 0; j < width; j++)
            {
                a[(j * rows) + r] = rowMajor[(r * stride) + j];
            }
        }
        for (var pass = 0; pass < 2; pass++)
        {
            for (var j = 0; j < width; j++)
            {
                var column = a.AsSpan(j * rows, rows);
                for (var i = 0; i < j; i++)
                {
                    var earlier = a.AsSpan(i * rows, rows);
                    var dot = Dot(earlier, column);
                    for (var r = 0; r < rows; r++)
                    {
                        column[r] -= dot * earlier[r];
                    }
                }
                var norm = Math.Sqrt(Dot(column, column));
                var scale = norm > 1e-12 ? 1 / norm : 0;
                for (var r = 0; r < rows; r++)
                {
                    column[r] *= scale;
                }
            }
        }
        for (var r = 0; r < rows; r++)
        {
            for (var j = 0; j < width; j++)
            {
                rowMajor[(r * stride) + j] = (float)a[(j * rows) + r];
            }
        }
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }
        return sum;
    }

    /// <summary>Eigenvalues and eigenvectors (columns) of a symmetric matrix by cyclic Jacobi rotations.</summary>
    internal static (double[] Values, double[] Vectors) SymmetricEigen(double[] matrix, int n)
    {
        var a = (double[])matrix.Clone();
        var v = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            v[(i * n) + i] = 1;
        }
        for (var sweep = 0; sweep < 50; sweep++)
        {
            double off = 0;
            for (var p = 0; p < n; p++)
            {
                for (var q = p + 1; q < n; q++)
                {
                    off += a[(p * n) + q] * a[(p * n) + q];
                }
            }
            if (off < 1e-22)
            {
                break;
            }
            for (var p = 0; p < n; p++)
            {
                for (var q = p + 1; q < n; q++)
                {
                    var apq = a[(p * n) + q];
                    if (Math.Abs(apq) < 1e-300)
                    {
                        continue;
                    }
                    var theta = (a[(q * n) + q] - a[(p * n) + p]) / (2 * apq);
                    var t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt((theta * theta) + 1));
                    if (theta == 0)
                    {
                        t = 1;
                    }
                    var c = 1 / Math.Sqrt((t * t) + 1);
                    var s = t * c;
                    for (var k = 0; k < n; k++)
                    {
                        var akp = a[(k * n) + p];
                        var akq = a[(k * n) + q];
                        a[(k * n) + p] = (c * akp) - (s * akq);
                        a[(k * n) + q] = (s * akp) + (c * akq);
                    }
                    for (var k = 0; k < n; k++)
                    {
                        var apk = a[(p * n) + k];
                        var aqk = a[(q * n) + k];
                        a[(p * n) + k] = (c * apk) - (s * aqk);
                        a[(q * n) + k] = (s * apk) + (c * aqk);
                    }
                    for (var k = 0; k < n; k++)
                    {
                        var vkp = v[(k * n) + p];
                        var vkq = v[(k * n) + q];
                        v[(k * n) + p] = (c * vkp) - (s * vkq);
                        v[(k * n) + q] = (s * vkp) + (c * vkq);
                    }
                }
            }
        }
        var values = new double[n];
        for (var i = 0; i < n; i++)
        {
            values[i] = a[(i * n) + i];
        }
        return (values, v);
    }

    private static double Gaussian(Random random)
    {
        var u = 1 - random.NextDouble();
        var w = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * w);
    }
}
