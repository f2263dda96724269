namespace LabelLoop.Jobs.Training;

/// <summary>
/// Feature rows in compressed sparse form, one per item, the input of <see cref="SoftmaxRegression"/>: tf-idf of hashed
/// words, word pairs and character n-grams for texts (<see cref="HashedText"/>), or dense embeddings (<see cref="FromDense"/>).
/// </summary>
/// <remarks>
/// <para>Word features come from the token ids the tokenizer produced (vocabulary words keep their own id, rare words
/// share hash buckets): each id and each pair of neighbouring ids is hashed into 2^<see cref="Bits"/> columns.
/// Character features come from the raw text: every run of 2 to 5 characters of each lower-cased word, padded with a
/// space on either side, so "telescope" and "telescopes", a typo or a word the vocabulary lacks still share most of
/// their columns. With a few hundred labels most words of a new item were never labelled, and its characters are what
/// relate it to the labelled ones (bench/active-learning.md: 5 points more accuracy over 100-300 labels).</para>
/// <para>Each block is weighted on its own: sublinear term frequency (1 + ln count), the smoothed inverse document
/// frequency ln((1 + n) / (1 + df)) + 1 over every row given (the whole pool: no labels are needed), each row scaled to
/// unit length; the two blocks then share the row equally (each scaled by 1/sqrt 2).</para>
/// </remarks>
public sealed class SparseFeatures
{
    /// <summary>Hash bits: 2^18 columns, as common hashing vectorizers use.</summary>
    public const int Bits = 18;

    /// <summary>Shortest character n-gram.</summary>
    public const int MinGram = 2;

    /// <summary>Longest character n-gram.</summary>
    public const int MaxGram = 5;

    /// <summary>Characters of a word that count (longer words are cut).</summary>
    private const int MaxWord = 40;

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

    /// <summary>Text features of every row of a token matrix: word unigrams and bigrams, and character n-grams of the raw texts when the matrix has them.</summary>
    public static SparseFeatures HashedText(InputMatrix inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var words = Weighted(inputs.Rows, (r, row) =>
        {
            long previous = 0;
            foreach (var id in inputs.TokensOf(r))
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
        });
        if (inputs.Texts is not { } texts)
        {
            return words;
        }
        var characters = Weighted(inputs.Rows, (r, row) => AddCharacterGrams(texts[r], row));
        return Concatenate(words, characters);
    }

    /// <summary>
    /// Sublinear tf-idf rows of unit length from the hashed columns <paramref name="fill"/> counts into each row's
    /// dictionary (column to count). The inverse document frequency is taken over every row given.
    /// </summary>
    private static SparseFeatures Weighted(int rows, Action<int, Dictionary<int, int>> fill)
    {
        var starts = new int[rows + 1];
        var columns = new List<int>();
        var counts = new List<float>();
        var row = new Dictionary<int, int>();
        var documentFrequency = new int[1 << Bits];
        for (var r = 0; r < rows; r++)
        {
            row.Clear();
            fill(r, row);
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

    /// <summary>Character n-grams (<see cref="MinGram"/> to <see cref="MaxGram"/> characters) of each lower-cased word, padded with a space on either side.</summary>
    private static void AddCharacterGrams(string text, Dictionary<int, int> row)
    {
        var lower = text.ToLowerInvariant();
        Span<char> word = stackalloc char[MaxWord + 2];
        var length = 0;
        for (var i = 0; i <= lower.Length; i++)
        {
            if (i == lower.Length || char.IsWhiteSpace(lower[i]))
            {
                if (length > 0)
                {
                    word[0] = ' ';
                    word[length + 1] = ' ';
                    var padded = word[..(length + 2)];
                    for (var n = MinGram; n <= MaxGram && n <= padded.Length; n++)
                    {
                        for (var at = 0; at + n <= padded.Length; at++)
                        {
                            Add(row, GramColumn(padded.Slice(at, n)));
                        }
                    }
                }
                length = 0;
            }
            else if (length < MaxWord)
            {
                word[++length] = lower[i];
            }
        }
    }

    private static int GramColumn(ReadOnlySpan<char> gram)
    {
        var hash = 0xCBF29CE484222325UL;
        foreach (var c in gram)
        {
            hash = unchecked((hash ^ c) * 0x100000001B3UL);
        }
        return (int)(Mix(hash ^ 0x7F4A7C15D1B54A32UL) >> (64 - Bits));
    }

    /// <summary>Two blocks of unit rows side by side, each weighted 1/sqrt(2) so the rows stay of unit length (columns they share add up).</summary>
    private static SparseFeatures Concatenate(SparseFeatures a, SparseFeatures b)
    {
        var rows = a.Rows;
        var weight = (float)(1 / Math.Sqrt(2));
        var starts = new int[rows + 1];
        var columns = new List<int>(a.Columns.Length + b.Columns.Length);
        var values = new List<float>(a.Columns.Length + b.Columns.Length);
        for (var r = 0; r < rows; r++)
        {
            var (i, iEnd) = (a.Starts[r], a.Starts[r + 1]);
            var (j, jEnd) = (b.Starts[r], b.Starts[r + 1]);
            while (i < iEnd || j < jEnd)
            {
                if (j == jEnd || (i < iEnd && a.Columns[i] < b.Columns[j]))
                {
                    columns.Add(a.Columns[i]);
                    values.Add(a.Values[i++] * weight);
                }
                else if (i == iEnd || b.Columns[j] < a.Columns[i])
                {
                    columns.Add(b.Columns[j]);
                    values.Add(b.Values[j++] * weight);
                }
                else
                {
                    columns.Add(a.Columns[i]);
                    values.Add((a.Values[i++] + b.Values[j++]) * weight);
                }
            }
            starts[r + 1] = columns.Count;
        }
        return new SparseFeatures(starts, [.. columns], [.. values]);
    }

    /// <summary>
    /// The <see cref="LatentTopics.Count"/> leading latent topics of every row, the linear text model's view of the items:
    /// fitted on first use and kept (the rows do not change).
    /// </summary>
    public LatentTopics Topics => LazyInitializer.EnsureInitialized(ref _topics, () => LatentTopics.Fit(this, LatentTopics.Count));

    private LatentTopics? _topics;

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
