using System.Numerics;

namespace LabelLoop.Jobs.Training;

/// <summary>
/// Multinomial logistic regression on <see cref="SparseFeatures"/> rows: the linear text model. It trains to
/// convergence with L-BFGS in well under a second for a few thousand labels, and the same rows, labels and options
/// give the same weights.
/// </summary>
/// <remarks>
/// Minimises the mean cross-entropy plus ||W||^2 / (2 C n) (weights and intercepts), the scaling of the common
/// "C" parameter: larger C regularises less. Only the columns that occur in the training rows get weights; others
/// score 0, as their weights would stay 0 under the penalty.
/// </remarks>
public sealed class SoftmaxRegression
{
    private readonly int[] _local;
    private readonly float[] _weights;

    private SoftmaxRegression(int classes, int[] local, float[] weights, double loss, int iterations)
    {
        Classes = classes;
        _local = local;
        _weights = weights;
        FinalLoss = loss;
        Iterations = iterations;
    }

    public int Classes { get; }

    /// <summary>The mean training cross-entropy (without the penalty) at the end.</summary>
    public double FinalLoss { get; }

    public int Iterations { get; }

    /// <summary>
    /// Trains on <paramref name="rows"/> of <paramref name="features"/> (rows may repeat) with one class index each.
    /// With <paramref name="start"/> (a model of the same classes on the same features) L-BFGS starts from its
    /// weights instead of zero: a committee's bootstrap members start from the member trained on every label, close
    /// to their own optimum, and converge to it in a fraction of the iterations.
    /// </summary>
    public static SoftmaxRegression Train(SparseFeatures features, IReadOnlyList<int> rows, IReadOnlyList<int> labels, int classes,
        double c = 10, int maxIterations = 200, SoftmaxRegression? start = null, CancellationToken token = default) =>
        Train(features, rows, labels, classes, c, maxIterations, start, rowSpace: null, token);

    /// <param name="rowSpace">Solve in the span of the training rows (true), over the columns (false), or whichever has fewer parameters (null).</param>
    internal static SoftmaxRegression Train(SparseFeatures features, IReadOnlyList<int> rows, IReadOnlyList<int> labels, int classes,
        double c, int maxIterations, SoftmaxRegression? start, bool? rowSpace, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(labels);
        if (rows.Count == 0 || rows.Count != labels.Count || classes < 2 || c <= 0)
        {
            throw new ArgumentException("Training needs at least one row, one label per row, two classes and C > 0.");
        }
        // Local column numbers for the columns the training rows use; row 0 of the weights is the intercept.
        var local = new int[1 << SparseFeatures.Bits];
        var used = 1;
        var usedColumns = new List<int>();
        var starts = new int[rows.Count + 1];
        var cols = new List<int>();
        var vals = new List<float>();
        for (var i = 0; i < rows.Count; i++)
        {
            var (columnMemory, valueMemory) = features.Row(rows[i]);
            var columns = columnMemory.Span;
            var values = valueMemory.Span;
            for (var e = 0; e < columns.Length; e++)
            {
                ref var slot = ref local[columns[e]];
                if (slot == 0)
                {
                    slot = used++;
                    usedColumns.Add(columns[e]);
                }
                cols.Add(slot);
                vals.Add(values[e]);
            }
            starts[i + 1] = cols.Count;
        }
        var problem = new Problem(starts, cols.ToArray(), vals.ToArray(), labels.ToArray(), classes, used, 1.0 / (c * rows.Count));
        var theta = new double[used * classes];
        if (start is not null && start.Classes == classes && start._local.Length == local.Length)
        {
            Array.Copy(start._weights, theta, classes);
            foreach (var column in usedColumns)
            {
                if (start._local[column] is var from and > 0)
                {
                    Array.Copy(start._weights, from * classes, theta, local[column] * classes, classes);
                }
            }
        }
        var iterations = rowSpace ?? RowSpace.Fits(rows, used)
            ? RowSpace.Minimize(rows, problem, theta, maxIterations, token)
            : Lbfgs.Minimize(problem.Evaluate, theta, maxIterations, token);
        var weights = new float[theta.Length];
        for (var i = 0; i < theta.Length; i++)
        {
            weights[i] = (float)theta[i];
        }
        return new SoftmaxRegression(classes, local, weights, problem.CrossEntropy(theta), iterations);
    }

    /// <summary>
    /// Class probabilities of <paramref name="rows"/>, items x classes, into <paramref name="output"/>. With a
    /// <paramref name="dropout"/> above 0 every feature is dropped with that probability (the rest scaled up): a
    /// Monte Carlo pass.
    /// </summary>
    public void Predict(SparseFeatures features, IReadOnlyList<int> rows, Span<float> output, float dropout = 0, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(rows);
        var k = Classes;
        Span<float> logits = stackalloc float[k];
        var keep = 1f / (1f - dropout);
        for (var i = 0; i < rows.Count; i++)
        {
            for (var j = 0; j < k; j++)
            {
                logits[j] = _weights[j];
            }
            var (columnMemory, valueMemory) = features.Row(rows[i]);
            var columns = columnMemory.Span;
            var values = valueMemory.Span;
            for (var e = 0; e < columns.Length; e++)
            {
                var slot = _local[columns[e]];
                if (slot == 0)
                {
                    continue;
                }
                var x = values[e];
                if (dropout > 0)
                {
                    if (random!.NextSingle() < dropout)
                    {
                        continue;
                    }
                    x *= keep;
                }
                AddScaled(logits, _weights.AsSpan(slot * k, k), x);
            }
            Softmax(logits, output.Slice(i * k, k));
        }
    }

    /// <summary>
    /// Writes the model: "LLSR", version 1, classes, hash bits, the intercepts, then each used column with its weights
    /// (little-endian int32 and float32).
    /// </summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write("LLSR"u8);
        writer.Write(1);
        writer.Write(Classes);
        writer.Write(SparseFeatures.Bits);
        for (var j = 0; j < Classes; j++)
        {
            writer.Write(_weights[j]);
        }
        writer.Write((_weights.Length / Classes) - 1);
        for (var column = 0; column < _local.Length; column++)
        {
            if (_local[column] is var slot and > 0)
            {
                writer.Write(column);
                for (var j = 0; j < Classes; j++)
                {
                    writer.Write(_weights[(slot * Classes) + j]);
                }
            }
        }
    }

    /// <summary>sum += scale * values, a vector's width at a time.</summary>
    private static void AddScaled<T>(Span<T> sum, ReadOnlySpan<T> values, T scale)
        where T : struct, INumber<T>
    {
        var j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var width = Vector<T>.Count;
            for (; j <= sum.Length - width; j += width)
            {
                (new Vector<T>(sum[j..]) + (new Vector<T>(values[j..]) * scale)).CopyTo(sum[j..]);
            }
        }
        for (; j < sum.Length; j++)
        {
            sum[j] += scale * values[j];
        }
    }

    private static void Softmax(Span<float> logits, Span<float> output)
    {
        var max = float.NegativeInfinity;
        foreach (var z in logits)
        {
            max = MathF.Max(max, z);
        }
        var sum = 0.0;
        for (var j = 0; j < logits.Length; j++)
        {
            logits[j] = MathF.Exp(logits[j] - max);
            sum += logits[j];
        }
        for (var j = 0; j < logits.Length; j++)
        {
            output[j] = (float)(logits[j] / sum);
        }
    }

    /// <summary>The training rows in local columns and the objective over them.</summary>
    private sealed class Problem(int[] starts, int[] columns, float[] values, int[] labels, int classes, int parameters, double lambda)
    {
        public int[] Starts => starts;

        public int[] Columns => columns;

        public float[] Values => values;

        public int[] Labels => labels;

        public int Classes => classes;

        /// <summary>Local columns, the intercept's included.</summary>
        public int Parameters => parameters;

        public double Lambda => lambda;

        private readonly double[] _probabilities = new double[classes];

        public double Evaluate(double[] theta, double[] gradient)
        {
            Array.Clear(gradient);
            var n = labels.Length;
            var loss = 0.0;
            var k = classes;
            var p = _probabilities;
            for (var i = 0; i < n; i++)
            {
                loss += Row(theta, i, p);
                p[labels[i]] -= 1;
                for (var j = 0; j < k; j++)
                {
                    gradient[j] += p[j] / n;
                }
                for (var e = starts[i]; e < starts[i + 1]; e++)
                {
                    var x = values[e] / n;
                    var offset = columns[e] * k;
                    for (var j = 0; j < k; j++)
                    {
                        gradient[offset + j] += x * p[j];
                    }
                }
            }
            var penalty = 0.0;
            for (var q = 0; q < parameters * k; q++)
            {
                penalty += theta[q] * theta[q];
                gradient[q] += lambda * theta[q];
            }
            return (loss / n) + (0.5 * lambda * penalty);
        }

        public double CrossEntropy(double[] theta)
        {
            var loss = 0.0;
            for (var i = 0; i < labels.Length; i++)
            {
                loss += Row(theta, i, _probabilities);
            }
            return loss / labels.Length;
        }

        /// <summary>Row i's probabilities into <paramref name="p"/>; returns its cross-entropy.</summary>
        private double Row(double[] theta, int i, double[] p)
        {
            var k = classes;
            for (var j = 0; j < k; j++)
            {
                p[j] = theta[j];
            }
            for (var e = starts[i]; e < starts[i + 1]; e++)
            {
                var x = values[e];
                var offset = columns[e] * k;
                for (var j = 0; j < k; j++)
                {
                    p[j] += x * theta[offset + j];
                }
            }
            SoftmaxInPlace(p);
            return -Math.Log(Math.Max(p[labels[i]], 1e-300));
        }
    }

    /// <summary>Turns <paramref name="logits"/> into probabilities in place.</summary>
    private static void SoftmaxInPlace(Span<double> logits)
    {
        var max = double.NegativeInfinity;
        foreach (var z in logits)
        {
            max = Math.Max(max, z);
        }
        var sum = 0.0;
        for (var j = 0; j < logits.Length; j++)
        {
            logits[j] = Math.Exp(logits[j] - max);
            sum += logits[j];
        }
        for (var j = 0; j < logits.Length; j++)
        {
            logits[j] /= sum;
        }
    }

    /// <summary>
    /// The same objective solved in the span of the training rows, for rows with more columns than there are rows (hashed
    /// words and character n-grams: tens of thousands of columns for a few hundred labels).
    /// </summary>
    /// <remarks>
    /// The penalised optimum has no part outside the span of the rows (such a part leaves every logit unchanged and only
    /// adds to the penalty), so W = Q Z for an orthonormal basis Q of that span. With the intercept as a constant column of
    /// 1, the Gram matrix K = X X^T factors as L L^T (a Cholesky factorisation that skips rows already in the span of the
    /// earlier ones: repeated rows of a bootstrap sample), Q = X_kept^T L_kept^-T, and X Q = L. The logits are then L Z
    /// and the penalty ||W||^2 = ||Z||^2: the same problem, with r x classes parameters (r at most the distinct rows)
    /// instead of columns x classes, and L-BFGS needs as many iterations on it. W = X_kept^T (L_kept^-T Z) at the end.
    /// </remarks>
    private static class RowSpace
    {
        /// <summary>Whether the row-space form has fewer parameters than the columns: more columns in use than rows.</summary>
        public static bool Fits(IReadOnlyList<int> rows, int used) => used > rows.Distinct().Count() + 1;

        /// <summary>Minimises <paramref name="problem"/> (training row i is <paramref name="rows"/>[i]) into <paramref name="theta"/>, which may hold a start.</summary>
        public static int Minimize(IReadOnlyList<int> rows, Problem problem, double[] theta, int maxIterations, CancellationToken token)
        {
            var (starts, columns, values, labels, k, used, lambda) =
                (problem.Starts, problem.Columns, problem.Values, problem.Labels, problem.Classes, problem.Parameters, problem.Lambda);
            // Distinct rows, and each (distinct row, label) pair with its count.
            var distinctOf = new Dictionary<int, int>();
            var first = new List<int>();
            var pairs = new Dictionary<(int Row, int Label), int>();
            for (var i = 0; i < rows.Count; i++)
            {
                if (!distinctOf.TryGetValue(rows[i], out var d))
                {
                    d = first.Count;
                    distinctOf[rows[i]] = d;
                    first.Add(i);
                }
                pairs[(d, labels[i])] = pairs.GetValueOrDefault((d, labels[i])) + 1;
            }
            var count = first.Count;
            var gram = Gram(first, starts, columns, values, used);
            var (factor, kept) = Factor(gram, count);
            var r = kept.Count;

            // The start: Z0 = L_kept^-1 (X_kept W0), from the logits the start's weights give the kept rows.
            var z = new double[r * k];
            if (theta.AsSpan().ContainsAnyExcept(0.0))
            {
                for (var t = 0; t < r; t++)
                {
                    var i = first[kept[t]];
                    for (var j = 0; j < k; j++)
                    {
                        z[(t * k) + j] = theta[j];
                    }
                    for (var e = starts[i]; e < starts[i + 1]; e++)
                    {
                        for (var j = 0; j < k; j++)
                        {
                            z[(t * k) + j] += values[e] * theta[(columns[e] * k) + j];
                        }
                    }
                }
                for (var t = 0; t < r; t++)
                {
                    for (var s = 0; s < t; s++)
                    {
                        var l = factor[(kept[t] * count) + s];
                        for (var j = 0; j < k; j++)
                        {
                            z[(t * k) + j] -= l * z[(s * k) + j];
                        }
                    }
                    var diagonal = factor[(kept[t] * count) + t];
                    for (var j = 0; j < k; j++)
                    {
                        z[(t * k) + j] /= diagonal;
                    }
                }
            }

            var n = (double)rows.Count;
            // Row d's coefficients stop at the last row kept up to it: the factor is lower triangular.
            var lengths = new int[count];
            for (int d = 0, t = 0; d < count; d++)
            {
                while (t < r && kept[t] <= d)
                {
                    t++;
                }
                lengths[d] = t;
            }
            var terms = pairs.Select(e => (e.Key.Row, e.Key.Label, Weight: e.Value / n)).ToArray();
            var logits = new double[k];
            double Evaluate(double[] x, double[] gradient)
            {
                var loss = 0.0;
                var penalty = 0.0;
                for (var q = 0; q < x.Length; q++)
                {
                    penalty += x[q] * x[q];
                    gradient[q] = lambda * x[q];
                }
                foreach (var (d, label, weight) in terms)
                {
                    var row = factor.AsSpan(d * count, lengths[d]);
                    Array.Clear(logits);
                    for (var t = 0; t < row.Length; t++)
                    {
                        var f = row[t];
                        if (f != 0)
                        {
                            AddScaled(logits, x.AsSpan(t * k, k), f);
                        }
                    }
                    SoftmaxInPlace(logits);
                    loss -= weight * Math.Log(Math.Max(logits[label], 1e-300));
                    logits[label] -= 1;
                    for (var t = 0; t < row.Length; t++)
                    {
                        var f = row[t] * weight;
                        if (f != 0)
                        {
                            AddScaled(gradient.AsSpan(t * k, k), logits, f);
                        }
                    }
                }
                return loss + (0.5 * lambda * penalty);
            }
            var iterations = Lbfgs.Minimize(Evaluate, z, maxIterations, token);

            // A = L_kept^-T Z, then W = X_kept^T A (the intercept's column is all ones).
            var a = z;
            for (var t = r - 1; t >= 0; t--)
            {
                for (var s = t + 1; s < r; s++)
                {
                    var l = factor[(kept[s] * count) + t];
                    for (var j = 0; j < k; j++)
                    {
                        a[(t * k) + j] -= l * a[(s * k) + j];
                    }
                }
                var diagonal = factor[(kept[t] * count) + t];
                for (var j = 0; j < k; j++)
                {
                    a[(t * k) + j] /= diagonal;
                }
            }
            Array.Clear(theta);
            for (var t = 0; t < r; t++)
            {
                var i = first[kept[t]];
                for (var j = 0; j < k; j++)
                {
                    theta[j] += a[(t * k) + j];
                }
                for (var e = starts[i]; e < starts[i + 1]; e++)
                {
                    for (var j = 0; j < k; j++)
                    {
                        theta[(columns[e] * k) + j] += values[e] * a[(t * k) + j];
                    }
                }
            }
            return iterations;
        }

        /// <summary>K = 1 + X X^T over the distinct rows (count x count, row-major).</summary>
        private static double[] Gram(List<int> first, int[] starts, int[] columns, float[] values, int used)
        {
            var count = first.Count;
            var gram = new double[count * count];
            var dense = new double[used];
            for (var a = 0; a < count; a++)
            {
                var i = first[a];
                for (var e = starts[i]; e < starts[i + 1]; e++)
                {
                    dense[columns[e]] += values[e];
                }
                for (var b = 0; b <= a; b++)
                {
                    var other = first[b];
                    var dot = 1.0;
                    for (var e = starts[other]; e < starts[other + 1]; e++)
                    {
                        dot += dense[columns[e]] * values[e];
                    }
                    gram[(a * count) + b] = dot;
                    gram[(b * count) + a] = dot;
                }
                for (var e = starts[i]; e < starts[i + 1]; e++)
                {
                    dense[columns[e]] = 0;
                }
            }
            return gram;
        }

        /// <summary>
        /// Cholesky factor of <paramref name="gram"/> row by row, skipping a row whose remainder is (numerically) zero: it
        /// lies in the span of the rows kept before it. Row d's coefficients on the kept rows are factor[d * count + t].
        /// </summary>
        private static (double[] Factor, List<int> Kept) Factor(double[] gram, int count)
        {
            var factor = new double[count * count];
            var kept = new List<int>();
            for (var d = 0; d < count; d++)
            {
                var row = factor.AsSpan(d * count, count);
                for (var t = 0; t < kept.Count; t++)
                {
                    var pivot = factor.AsSpan(kept[t] * count, count);
                    var v = gram[(d * count) + kept[t]];
                    for (var s = 0; s < t; s++)
                    {
                        v -= row[s] * pivot[s];
                    }
                    row[t] = v / pivot[t];
                }
                var rest = gram[(d * count) + d];
                for (var s = 0; s < kept.Count; s++)
                {
                    rest -= row[s] * row[s];
                }
                if (rest > 1e-9 * gram[(d * count) + d])
                {
                    row[kept.Count] = Math.Sqrt(rest);
                    kept.Add(d);
                }
            }
            return (factor, kept);
        }
    }

    /// <summary>Limited-memory BFGS with a backtracking (Armijo) line search.</summary>
    private static class Lbfgs
    {
        private const int Memory = 10;

        public static int Minimize(Func<double[], double[], double> evaluate, double[] x, int maxIterations, CancellationToken token)
        {
            var n = x.Length;
            var g = new double[n];
            var f = evaluate(x, g);
            var s = new List<double[]>();
            var y = new List<double[]>();
            var rho = new List<double>();
            var direction = new double[n];
            var alpha = new double[Memory];
            var xNext = new double[n];
            var gNext = new double[n];
            (double[]? s, double[]? y) spare = (null, null);
            var iteration = 0;
            for (; iteration < maxIterations; iteration++)
            {
                token.ThrowIfCancellationRequested();
                if (MaxAbs(g) < 1e-6)
                {
                    break;
                }
                // Two-loop recursion: direction = -H g.
                Array.Copy(g, direction, n);
                for (var m = s.Count - 1; m >= 0; m--)
                {
                    alpha[m] = rho[m] * Dot(s[m], direction);
                    Axpy(-alpha[m], y[m], direction);
                }
                var gamma = s.Count == 0 ? 1.0 / Math.Max(1e-12, Math.Sqrt(Dot(g, g))) : Dot(s[^1], y[^1]) / Dot(y[^1], y[^1]);
                for (var q = 0; q < n; q++)
                {
                    direction[q] *= gamma;
                }
                for (var m = 0; m < s.Count; m++)
                {
                    var beta = rho[m] * Dot(y[m], direction);
                    Axpy(alpha[m] - beta, s[m], direction);
                }
                for (var q = 0; q < n; q++)
                {
                    direction[q] = -direction[q];
                }
                var slope = Dot(g, direction);
                if (slope >= 0)
                {
                    // Not a descent direction (numerical trouble): restart from steepest descent.
                    s.Clear();
                    y.Clear();
                    rho.Clear();
                    for (var q = 0; q < n; q++)
                    {
                        direction[q] = -g[q];
                    }
                    slope = Dot(g, direction);
                }
                var step = 1.0;
                double fNext;
                var tries = 0;
                while (true)
                {
                    for (var q = 0; q < n; q++)
                    {
                        xNext[q] = x[q] + (step * direction[q]);
                    }
                    fNext = evaluate(xNext, gNext);
                    if (fNext <= f + (1e-4 * step * slope) || ++tries >= 40)
                    {
                        break;
                    }
                    step *= 0.5;
                }
                if (fNext > f)
                {
                    break;
                }
                // The pair that falls out of the memory lends its arrays: vectors of every parameter are large
                // (hundreds of kilobytes for a few hundred labels), and allocating two per iteration cost more
                // than the arithmetic.
                double[] sNew, yNew;
                if (s.Count == Memory)
                {
                    sNew = s[0];
                    yNew = y[0];
                    s.RemoveAt(0);
                    y.RemoveAt(0);
                    rho.RemoveAt(0);
                }
                else
                {
                    sNew = spare.s ?? new double[n];
                    yNew = spare.y ?? new double[n];
                    spare = (null, null);
                }
                for (var q = 0; q < n; q++)
                {
                    sNew[q] = xNext[q] - x[q];
                    yNew[q] = gNext[q] - g[q];
                }
                var sy = Dot(sNew, yNew);
                if (sy > 1e-12)
                {
                    s.Add(sNew);
                    y.Add(yNew);
                    rho.Add(1.0 / sy);
                }
                else
                {
                    spare = (sNew, yNew);
                }
                Array.Copy(xNext, x, n);
                Array.Copy(gNext, g, n);
                var decrease = f - fNext;
                f = fNext;
                if (decrease <= 1e-10 * Math.Max(1.0, Math.Abs(f)))
                {
                    iteration++;
                    break;
                }
            }
            return iteration;
        }

        private static double Dot(double[] a, double[] b)
        {
            var width = Vector<double>.Count;
            var sums = Vector<double>.Zero;
            var i = 0;
            for (; i <= a.Length - width; i += width)
            {
                sums += new Vector<double>(a, i) * new Vector<double>(b, i);
            }
            var sum = Vector.Sum(sums);
            for (; i < a.Length; i++)
            {
                sum += a[i] * b[i];
            }
            return sum;
        }

        private static void Axpy(double a, double[] x, double[] y)
        {
            var width = Vector<double>.Count;
            var scale = new Vector<double>(a);
            var i = 0;
            for (; i <= x.Length - width; i += width)
            {
                (new Vector<double>(y, i) + (scale * new Vector<double>(x, i))).CopyTo(y, i);
            }
            for (; i < x.Length; i++)
            {
                y[i] += a * x[i];
            }
        }

        private static double MaxAbs(double[] a)
        {
            var max = 0.0;
            foreach (var v in a)
            {
                max = Math.Max(max, Math.Abs(v));
            }
            return max;
        }
    }
}
