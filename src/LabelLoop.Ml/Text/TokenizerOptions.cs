namespace LabelLoop.Ml.Text;

/// <summary>How <see cref="TextTokenizer.Build"/> builds a vocabulary and how texts are encoded.</summary>
public sealed record TokenizerOptions
{
    /// <summary>A word enters the vocabulary when it occurs at least this often in the pool.</summary>
    public int MinCount { get; init; } = 2;

    /// <summary>At most this many words (the most frequent) enter the vocabulary.</summary>
    public int MaxVocabulary { get; init; } = 30_000;

    /// <summary>Unknown words are hashed into this many buckets, so similar rare words still carry signal.</summary>
    public int HashBuckets { get; init; } = 1024;

    /// <summary>Tokens per encoded item; longer texts are truncated, shorter ones padded with id 0.</summary>
    public int MaxTokens { get; init; } = 128;
}
