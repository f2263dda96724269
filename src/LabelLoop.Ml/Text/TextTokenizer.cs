using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LabelLoop.Ml.Text;

/// <summary>
/// Lower-cases and splits text into words and punctuation, maps words to ids through a vocabulary built
/// from the pool, and hashes unknown words into a fixed number of buckets.
/// </summary>
/// <remarks>
/// <para>Id layout: 0 is padding, 1..V the vocabulary (most frequent first), V+1..V+B the hash buckets, so
/// <see cref="VocabularySize"/> = 1 + V + B. The bucket hash is FNV-1a over UTF-8, stable across processes
/// and machines.</para>
/// <para>Splitting: NFKC normalisation and invariant lower-casing, then runs of letters, marks, digits and
/// connectors form words; every punctuation mark or symbol is a token of its own; Han, Hiragana and
/// Katakana characters, written without spaces, are one token each.</para>
/// <para>Immutable once built: safe to share across threads. Persist it next to the model checkpoint with
/// <see cref="Save"/>, because the model's ids only mean something with the same vocabulary.</para>
/// </remarks>
public sealed class TextTokenizer
{
    private const int FormatVersion = 1;

    // Splitting a few hundred texts takes well under a millisecond; a cancel is seen at once.
    private const int CancelCheckInterval = 256;

    private readonly Dictionary<string, int> _ids;
    private readonly string[] _words;

    private TextTokenizer(string[] words, TokenizerOptions options)
    {
        Validate(options);
        _words = words;
        _ids = new Dictionary<string, int>(words.Length, StringComparer.Ordinal);
        for (var i = 0; i < words.Length; i++)
        {
            _ids[words[i]] = i + 1;
        }

        Options = options;
    }

    /// <summary>The options the tokenizer was built with.</summary>
    public TokenizerOptions Options { get; }

    /// <summary>The vocabulary, most frequent first; word i has id i + 1.</summary>
    public IReadOnlyList<string> Words => _words;

    /// <summary>Number of distinct ids, padding and hash buckets included: use it as <see cref="ModelSpec.VocabularySize"/>.</summary>
    public int VocabularySize => 1 + _words.Length + Options.HashBuckets;

    /// <summary>Tokens per encoded item: use it as <see cref="ModelSpec.MaxTokens"/>.</summary>
    public int MaxTokens => Options.MaxTokens;

    /// <summary>Builds the vocabulary from the pool's texts.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired (checked every few hundred texts).</exception>
    public static TextTokenizer Build(IEnumerable<string> texts, TokenizerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        options ??= new TokenizerOptions();
        Validate(options);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var seen = 0;
        foreach (var text in texts)
        {
            if (++seen % CancelCheckInterval == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            foreach (var token in Split(text))
            {
                counts[token] = counts.GetValueOrDefault(token) + 1;
            }
        }

        var words = counts
            .Where(pair => pair.Value >= options.MinCount)
            .OrderByDescending(pair => pair.Value)
            .ThenBy(pair => pair.Key, StringComparer.Ordinal)
            .Take(options.MaxVocabulary)
            .Select(pair => pair.Key)
            .ToArray();
        return new TextTokenizer(words, options);
    }

    /// <summary>Splits <paramref name="text"/> into lower-cased word and punctuation tokens.</summary>
    public static IReadOnlyList<string> Split(string? text)
    {
        var tokens = new List<string>();
        if (string.IsNullOrEmpty(text))
        {
            return tokens;
        }

        var normalized = text.Normalize(NormalizationForm.FormKC).ToLowerInvariant();
        var word = new StringBuilder();
        foreach (var rune in normalized.EnumerateRunes())
        {
            switch (Classify(rune))
            {
                case RuneClass.Word:
                    word.Append(rune.ToString());
                    break;
                case RuneClass.Single:
                    Flush(word, tokens);
                    tokens.Add(rune.ToString());
                    break;
                default:
                    Flush(word, tokens);
                    break;
            }
        }

        Flush(word, tokens);
        return tokens;
    }

    /// <summary>The id of one token (as produced by <see cref="Split"/>): its vocabulary id, or its hash bucket.</summary>
    public long IdOf(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (_ids.TryGetValue(token, out var id))
        {
            return id;
        }

        return 1L + _words.Length + (Fnv1a(token) % (uint)Options.HashBuckets);
    }

    /// <summary>Encodes texts as fixed-length id rows (<see cref="MaxTokens"/> each), truncating or padding with 0.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired (checked every few hundred texts).</exception>
    public TokenizedText Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var ids = new long[(long)texts.Count * MaxTokens];
        var lengths = new int[texts.Count];
        for (var i = 0; i < texts.Count; i++)
        {
            if (i % CancelCheckInterval == CancelCheckInterval - 1)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var tokens = Split(texts[i]);
            var length = Math.Min(tokens.Count, MaxTokens);
            for (var t = 0; t < length; t++)
            {
                ids[((long)i * MaxTokens) + t] = IdOf(tokens[t]);
            }

            lengths[i] = length;
        }

        return new TokenizedText(ids, lengths, texts.Count, MaxTokens);
    }

    /// <summary>Writes the options and vocabulary as JSON.</summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var document = new Document(FormatVersion, Options.MinCount, Options.MaxVocabulary, Options.HashBuckets, Options.MaxTokens, _words);
        JsonSerializer.Serialize(stream, document);
    }

    /// <summary>Reads a tokenizer written by <see cref="Save"/>.</summary>
    /// <exception cref="InvalidDataException">The stream is not a tokenizer of a known format version.</exception>
    public static TextTokenizer Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Document? document;
        try
        {
            document = JsonSerializer.Deserialize<Document>(stream);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException("The stream is not a saved TextTokenizer.", e);
        }

        if (document is null || document.Version != FormatVersion || document.Words is null)
        {
            throw new InvalidDataException($"The stream is not a TextTokenizer of format version {FormatVersion}.");
        }

        var options = new TokenizerOptions
        {
            MinCount = document.MinCount,
            MaxVocabulary = document.MaxVocabulary,
            HashBuckets = document.HashBuckets,
            MaxTokens = document.MaxTokens,
        };
        return new TextTokenizer(document.Words, options);
    }

    private static void Validate(TokenizerOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MinCount, 1, nameof(options.MinCount));
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxVocabulary, nameof(options.MaxVocabulary));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.HashBuckets, 1, nameof(options.HashBuckets));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxTokens, 1, nameof(options.MaxTokens));
    }

    private static void Flush(StringBuilder word, List<string> tokens)
    {
        if (word.Length > 0)
        {
            tokens.Add(word.ToString());
            word.Clear();
        }
    }

    private static RuneClass Classify(Rune rune)
    {
        if (IsUnspacedScript(rune.Value))
        {
            return RuneClass.Single;
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
                or UnicodeCategory.ConnectorPunctuation => RuneClass.Word,
            UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation
                or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
                or UnicodeCategory.OtherPunctuation or UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol
                or UnicodeCategory.ModifierSymbol or UnicodeCategory.OtherSymbol => RuneClass.Single,
            _ => RuneClass.Separator,
        };
    }

    // Scripts written without spaces between words: one token per character beats one token per sentence.
    private static bool IsUnspacedScript(int c) =>
        c is (>= 0x3040 and <= 0x30FF) // Hiragana, Katakana
            or (>= 0x3400 and <= 0x4DBF) // CJK Extension A
            or (>= 0x4E00 and <= 0x9FFF) // CJK Unified Ideographs
            or (>= 0xF900 and <= 0xFAFF) // CJK Compatibility Ideographs
            or (>= 0x20000 and <= 0x3134F); // CJK Extensions B-G

    private static uint Fnv1a(string token)
    {
        var hash = 2166136261u;
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetByteCount(token) <= buffer.Length
            ? buffer[..Encoding.UTF8.GetBytes(token, buffer)]
            : Encoding.UTF8.GetBytes(token);
        foreach (var b in bytes)
        {
            hash = unchecked((hash ^ b) * 16777619u);
        }

        return hash;
    }

    private enum RuneClass
    {
        Separator,
        Word,
        Single,
    }

    private sealed record Document(int Version, int MinCount, int MaxVocabulary, int HashBuckets, int MaxTokens, string[] Words);
}
