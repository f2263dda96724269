namespace LabelLoop.Ml;

/// <summary>The architecture of a model: an encoder that yields an embedding, plus a classification head.</summary>
public enum ModelKind
{
    /// <summary>A small CNN (three conv blocks + global average pooling) over square grayscale or RGB images.</summary>
    Image = 1,

    /// <summary>Token embedding + two 1-D convolutions + masked max pooling, over <see cref="Text.TextTokenizer"/> ids.</summary>
    TextConv = 2,

    /// <summary>Token and position embedding + a 2-layer transformer encoder + masked mean pooling.</summary>
    TextTransformer = 3,
}
