using LabelLoop.Ml.Text;

namespace LabelLoop.Ml;

/// <summary>A whole batch of model inputs in one contiguous buffer: pixels for image models, token ids for text models.</summary>
/// <remarks>
/// The batch borrows the caller's memory and copies nothing; keep the memory unchanged while a call that
/// uses the batch runs. Sizes, finiteness and id ranges are checked by the engine, which reports a
/// mismatch in a <see cref="ModelEngineException"/>.
/// </remarks>
public sealed class ModelBatch
{
    private ModelBatch(int count, ReadOnlyMemory<float> pixels, ReadOnlyMemory<long> tokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Count = count;
        Pixels = pixels;
        Tokens = tokens;
    }

    /// <summary>Number of items.</summary>
    public int Count { get; }

    /// <summary>Image items: Count x channels x size x size floats, planar (NCHW), nominally in [0, 1].</summary>
    public ReadOnlyMemory<float> Pixels { get; }

    /// <summary>Text items: Count x max-tokens ids, 0 = padding.</summary>
    public ReadOnlyMemory<long> Tokens { get; }

    /// <summary>A batch of <paramref name="count"/> images laid end to end in <paramref name="pixels"/>.</summary>
    public static ModelBatch FromPixels(ReadOnlyMemory<float> pixels, int count) => new(count, pixels, default);

    /// <summary>A batch of <paramref name="count"/> token-id rows laid end to end in <paramref name="tokens"/>.</summary>
    public static ModelBatch FromTokens(ReadOnlyMemory<long> tokens, int count) => new(count, default, tokens);

    /// <summary>A batch over the output of <see cref="Text.TextTokenizer.Encode"/>.</summary>
    public static ModelBatch FromTokens(TokenizedText text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new(text.Count, default, text.Ids);
    }
}
