namespace LabelLoop.Jobs.Training;

/// <summary>
/// Feature rows in compressed sparse form, one per item, the input of <see cref="SoftmaxRegression"/>: tf-idf of hashed
/// word unigrams and bigrams for texts (<see cref="HashedText"/>), or dense embeddings (<see cref="FromDense"/>).
/// </summary>
/// <remarks>
/// Text features come from the token ids the tokenizer produced (vocabulary words keep their own id, rare words share hash
/// buckets): each id and each pair of neighbouring ids is hashed into 2^<see cref="Bits"/> columns. Term frequency is
/// sublinear (1 + ln count), the inverse document frequency is smoothed, ln((1 + n) / (1 + df)) + 1, over every row
/// given (the whole pool: no labels are needed), and each row is scaled to unit length.
/// </remarks>
public sealed class SparseFeatures
{
    /// <summary>Hash bits: 2^18 columns, as common hashing vectorizers use.</summary>
    public const int Bits = 18;

    private SparseFeatures(int[] starts, int[] columns, float[] values)
    {
        Starts = starts;
        Columns = columns;
        Values = values;
    }

    /// <summary>Row r's entries are <c>Starts[r]</c> to <c>Starts[r + 1]</c> (exclusive) of <see cref="Columns"/> and <see cref="Values"/>.</summary>
    public int[] Starts { get; }

    /// <summary>Column of each entry, ascending within a row.</summary>
    public int[] Columns { get; }

    /// <summary>Weight of each entry.</summary>
    public float[] Values { get; }

    public int Rows => Starts.Length - 1;

    /// <summary>Entries of row <paramref name="row"/>.</summary>
    public (ReadOnlyMemory<int> Columns, ReadOnlyMemory<float> Values) Row(int row)
    {
        var (start, end) = (Starts[row], Starts[row + 1]);
        return (Columns.AsMemory(start, end - start), Values.AsMemory(start, end - start));
    }

    /// <summary>Dense rows (items x <paramref name="dim"/>), each dimension standardised over the rows.</summary>
    public static SparseFeatures FromDense(float[] rows, int dim)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var count = rows.Length / dim;
        var mean = new double[dim];
        var scale = new double[dim];
        for (var i = 0; i < count; i++)
        {
            for (var d = 0; d < dim; d++)
            {
                var v = rows[(i * dim) + d];
                mean[d] += v;
                scale[d] += (double)v * v;
            }
        }
        for (var d = 0; d < dim; d++)
        {
            mean[d] /= Math.Max(1, count);
            var sd = Math.Sqrt(Math.Max(0, (scale[d] / Math.Max(1, count)) - (mean[d] * mean[d])));
            scale[d] = sd > 1e-6 ? 1 / sd : 0;
        }
        var values = new float[rows.Length];
        var columns = new int[rows.Length];
        for (var e = 0; e < rows.Length; e++)
        {
            var d = e % dim;
            columns[e] = d;
            values[e] = (float)((rows[e] - mean[d]) * scale[d]);
        }
        var starts = Enumerable.Range(0, count + 1).Select(i => i * dim).ToArray();
        return new SparseFeatures(starts, columns, values);
    }

    /// <summary>Text features of every row of a token matrix.</summary>
    public static SparseFeatures HashedText(InputMatrix inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var rows = inputs.Rows;
        var starts = new int[rows + 1];
        var columns = new List<int>();
        var counts = new List<float>();
        var row = new Dictionary<int, int>();
        var documentFrequency = new int[1 << Bits];
        for (var r = 0; r < rows; r++)
        {
            row.Clear();
            var tokens = inputs.TokensOf(r);
            long previous = 0;
            foreach (var id in tokens)
            {
                if (id == 0)
                {
                    break;
                }
                Add(row, Column(id, 0));
                if (previous != 0)
                {
                    Add(row, Column(previous, id));
                }
                previous = id;
            }
            foreach (var (column, count) in row.OrderBy(e => e.Key))
            {
                columns.Add(column);
                counts.Add(1f + MathF.Log(count));
                documentFrequency[column]++;
            }
            starts[r + 1] = columns.Count;
        }
        var values = counts.ToArray();
        var cols = columns.ToArray();
        for (var r = 0; r < rows; r++)
        {
            var norm = 0.0;
            for (var e = starts[r]; e < starts[r + 1]; e++)
            {
                values[e] *= (float)(Math.Log((1.0 + rows) / (1.0 + documentFrequency[cols[e]])) + 1.0);
                norm += (double)values[e] * values[e];
            }
            if (norm > 0)
            {
                var scale = (float)(1.0 / Math.Sqrt(norm));
                for (var e = starts[r]; e < starts[r + 1]; e++)
                {
                    values[e] *= scale;
                }
            }
        }
        return new SparseFeatures(starts, cols, values);
    }

    /// <summary>
    /// A dense sketch of the rows for the diversity strategies: a fixed random projection (+-1 per column and
    /// output, from a hash) to <paramref name="dim"/> values, which keeps distances between unit rows roughly as they are.
    /// </summary>
    public float[] Project(IReadOnlyList<int> rows, int dim)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var output = new float[(long)rows.Count * dim];
        var scale = 1f / MathF.Sqrt(dim);
        for (var i = 0; i < rows.Count; i++)
        {
            var target = output.AsSpan(i * dim, dim);
            for (var e = Starts[rows[i]]; e < Starts[rows[i] + 1]; e++)
            {
                var value = Values[e] * scale;
                var column = (ulong)Columns[e];
                for (var d = 0; d < dim; d += 64)
                {
                    var signs = Mix((column << 8) ^ (ulong)(d / 64) ^ 0x51ED270B27D0F1A3UL);
                    var n = Math.Min(64, dim - d);
                    for (var k = 0; k < n; k++)
                    {
                        target[d + k] += ((signs >> k) & 1) == 0 ? value : -value;
                    }
                }
            }
        }
        return output;
    }

    private static void Add(Dictionary<int, int> row, int column) => row[column] = row.GetValueOrDefault(column) + 1;

    /// <summary>The column of a unigram (<paramref name="second"/> = 0) or a bigram of token ids.</summary>
    internal static int Column(long first, long second) =>
        (int)(Mix(unchecked(((ulong)first * 0x9E3779B97F4A7C15UL) + ((ulong)second * 0xC2B2AE3D27D4EB4FUL) + (second == 0 ? 0UL : 1UL))) >> (64 - Bits));

    /// <summary>A 64-bit finaliser (splitmix64): every input bit moves every output bit.</summary>
    private static ulong Mix(ulong x)
    {
        unchecked
        {
            x ^= x >> 30;
            x *= 0xBF58476D1CE4E5B9UL;
            x ^= x >> 27;
            x *= 0x94D049BB133111EBUL;
            return x ^ (x >> 31);
        }
    }
}
