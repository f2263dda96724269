using LabelLoop.Ml.Text;

namespace LabelLoop.Ml;

/// <summary>The architecture and initialisation of a model.</summary>
/// <remarks>
/// The engine validates every field when a model is created and reports a bad value in a
/// <see cref="ModelEngineException"/>. Fields that do not apply to <see cref="Kind"/> are ignored.
/// </remarks>
public sealed record ModelSpec
{
    /// <summary>The architecture.</summary>
    public required ModelKind Kind { get; init; }

    /// <summary>Number of classes the head predicts (at least 2).</summary>
    public required int Classes { get; init; }

    /// <summary>Width of the embedding the encoder yields (what <see cref="IModelEngine.Embed"/> returns per item).</summary>
    public int EmbeddingDim { get; init; } = 128;

    /// <summary>Base channel count: 32 gives 32/64/128 conv channels for images; for transformers the model width (a multiple of 4).</summary>
    public int Width { get; init; } = 32;

    /// <summary>Image models: 1 (grayscale) or 3 (RGB).</summary>
    public int Channels { get; init; } = 1;

    /// <summary>Image models: side of the square input in pixels (28 or 32 are typical).</summary>
    public int ImageSize { get; init; } = 28;

    /// <summary>Text models: token ids are in [0, VocabularySize); use <see cref="Text.TextTokenizer.VocabularySize"/>.</summary>
    public int VocabularySize { get; init; }

    /// <summary>Text models: tokens per item; use <see cref="Text.TextTokenizer.MaxTokens"/>.</summary>
    public int MaxTokens { get; init; }

    /// <summary>Dropout probability in the head, in [0, 1); also what Monte Carlo dropout samples.</summary>
    public float Dropout { get; init; } = 0.2f;

    /// <summary>Seeds the initial weights and the model's dropout generator.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>True for <see cref="ModelKind.TextConv"/> and <see cref="ModelKind.TextTransformer"/>.</summary>
    public bool IsText => Kind is ModelKind.TextConv or ModelKind.TextTransformer;

    /// <summary>Values per item in a <see cref="ModelBatch"/>: channels x size x size floats, or MaxTokens ids.</summary>
    public int ValuesPerItem => IsText ? MaxTokens : checked(Channels * ImageSize * ImageSize);

    /// <summary>
    /// Whether an encoder of this architecture can start a model of <paramref name="other"/>'s
    /// (<see cref="IModelEngine.CopyEncoder"/>): same kind, embedding width, base width and, for images, channels
    /// and size; for text, vocabulary and tokens per item. Classes, dropout and seed do not matter.
    /// </summary>
    public bool HasEncoderOf(ModelSpec other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Kind == other.Kind && EmbeddingDim == other.EmbeddingDim && Width == other.Width
            && (IsText
                ? VocabularySize == other.VocabularySize && MaxTokens == other.MaxTokens
                : Channels == other.Channels && ImageSize == other.ImageSize);
    }

    /// <summary>An image model spec with the usual defaults.</summary>
    public static ModelSpec ForImages(int classes, int channels = 1, int imageSize = 28, long seed = 1)
        => new() { Kind = ModelKind.Image, Classes = classes, Channels = channels, ImageSize = imageSize, Seed = seed };

    /// <summary>A text model spec sized for <paramref name="tokenizer"/>.</summary>
    public static ModelSpec ForText(int classes, TextTokenizer tokenizer, ModelKind kind = ModelKind.TextConv, long seed = 1)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        return new()
        {
            Kind = kind,
            Classes = classes,
            VocabularySize = tokenizer.VocabularySize,
            MaxTokens = tokenizer.MaxTokens,
            Width = 64,
            Seed = seed,
        };
    }
}
