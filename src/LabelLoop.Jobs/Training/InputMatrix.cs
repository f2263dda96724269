using LabelLoop.Ml;

namespace LabelLoop.Jobs.Training;

/// <summary>Every loaded item's model input, one fixed-width row per item: pixels for images, token ids for texts.</summary>
public sealed class InputMatrix
{
    private readonly float[]? _pixels;
    private readonly long[]? _tokens;
    private readonly int _width;

    private InputMatrix(float[]? pixels, long[]? tokens, int width, IReadOnlyList<string>? texts = null)
    {
        _pixels = pixels;
        _tokens = tokens;
        _width = width;
        Texts = texts;
    }

    public static InputMatrix OfPixels(float[] pixels, int valuesPerItem) => new(pixels, null, valuesPerItem);

    /// <summary>Token rows, with the texts they came from when the linear text model should read their characters too.</summary>
    public static InputMatrix OfTokens(long[] tokens, int tokensPerItem, IReadOnlyList<string>? texts = null) =>
        new(null, tokens, tokensPerItem, texts);

    /// <summary>The raw text of each row, in row order, when given (text items); null otherwise.</summary>
    public IReadOnlyList<string>? Texts { get; }

    /// <summary>
    /// The linear text model's features of every row (<see cref="SparseFeatures.HashedText"/>), made on first use and
    /// kept: the rows do not change, and the simulator's rounds share one matrix.
    /// </summary>
    public SparseFeatures TextFeatures => LazyInitializer.EnsureInitialized(ref _textFeatures, () => SparseFeatures.HashedText(this));

    private SparseFeatures? _textFeatures;

    /// <summary>True when the rows are token ids (text items).</summary>
    public bool IsText => _tokens is not null;

    /// <summary>Number of rows (items).</summary>
    public int Rows => _width == 0 ? 0 : (int)((_pixels?.LongLength ?? _tokens!.LongLength) / _width);

    /// <summary>The token ids of one text row, padded with 0 at the end.</summary>
    public ReadOnlySpan<long> TokensOf(int row) =>
        _tokens is null ? throw new InvalidOperationException("The rows are pixels, not token ids.") : _tokens.AsSpan(row * _width, _width);

    /// <summary>A batch of the given rows, in order (rows may repeat: bootstrap samples do).</summary>
    public ModelBatch Gather(IReadOnlyList<int> rows)
    {
        if (_pixels is not null)
        {
            var buffer = new float[(long)rows.Count * _width];
            for (var i = 0; i < rows.Count; i++)
            {
                _pixels.AsSpan(rows[i] * _width, _width).CopyTo(buffer.AsSpan(i * _width, _width));
            }
            return ModelBatch.FromPixels(buffer, rows.Count);
        }
        var tokens = new long[(long)rows.Count * _width];
        for (var i = 0; i < rows.Count; i++)
        {
            _tokens.AsSpan(rows[i] * _width, _width).CopyTo(tokens.AsSpan(i * _width, _width));
        }
        return ModelBatch.FromTokens(tokens, rows.Count);
    }
}
