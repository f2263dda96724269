using LabelLoop.Ml.Text;

namespace LabelLoop.Ml.Tests;

public sealed class TextTokenizerTests
{
    [Fact]
    public void Split_lower_cases_and_separates_words_from_punctuation()
        => Assert.Equal(["hello", ",", "world", "!", "it", "'", "s", "fine"], TextTokenizer.Split("Hello, WORLD! it's fine"));

    [Fact]
    public void Split_keeps_accented_and_non_latin_words_whole()
        => Assert.Equal(["café", "über", "straße", "москва", "42"], TextTokenizer.Split("Café ÜBER Straße Москва 42"));

    [Fact]
    public void Split_normalises_compatibility_characters()
        => Assert.Equal(["file", "2"], TextTokenizer.Split("ﬁle ²"));

    [Fact]
    public void Split_gives_each_han_character_its_own_token()
        => Assert.Equal(["我", "爱", "ml", "。"], TextTokenizer.Split("我爱ML。"));

    [Fact]
    public void Split_of_empty_text_is_empty() => Assert.Empty(TextTokenizer.Split("  \t\n"));

    [Fact]
    public void Vocabulary_keeps_words_above_the_minimum_count_most_frequent_first()
    {
        var tokenizer = TextTokenizer.Build(["b a a", "a b c"], new TokenizerOptions { MinCount = 2, HashBuckets = 8 }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(["a", "b"], tokenizer.Words);
        Assert.Equal(1, tokenizer.IdOf("a"));
        Assert.Equal(2, tokenizer.IdOf("b"));
        Assert.Equal(1 + 2 + 8, tokenizer.VocabularySize);
    }

    [Fact]
    public void Unknown_words_land_in_stable_hash_buckets()
    {
        var options = new TokenizerOptions { MinCount = 1, HashBuckets = 16 };
        var first = TextTokenizer.Build(["known"], options, cancellationToken: TestContext.Current.CancellationToken);
        var second = TextTokenizer.Build(["known"], options, cancellationToken: TestContext.Current.CancellationToken);

        var id = first.IdOf("zebra");

        Assert.InRange(id, 2, first.VocabularySize - 1);
        Assert.Equal(id, second.IdOf("zebra"));
    }

    [Fact]
    public void Encode_pads_truncates_and_reports_lengths()
    {
        var tokenizer = TextTokenizer.Build(["a b c d e"], new TokenizerOptions { MinCount = 1, MaxTokens = 3, HashBuckets = 4 }, cancellationToken: TestContext.Current.CancellationToken);

        var encoded = tokenizer.Encode(["a b", "a b c d e", ""], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(3, encoded.Count);
        Assert.Equal([2, 3, 0], encoded.Lengths);
        Assert.Equal(
            [tokenizer.IdOf("a"), tokenizer.IdOf("b"), 0, tokenizer.IdOf("a"), tokenizer.IdOf("b"), tokenizer.IdOf("c"), 0, 0, 0],
            encoded.Ids);
    }

    [Fact]
    public void Save_and_load_round_trip_the_vocabulary()
    {
        var tokenizer = TextTokenizer.Build(["x y y z z z"], new TokenizerOptions { MinCount = 1, MaxTokens = 5, HashBuckets = 3 }, cancellationToken: TestContext.Current.CancellationToken);
        using var stream = new MemoryStream();

        tokenizer.Save(stream);
        stream.Position = 0;
        var loaded = TextTokenizer.Load(stream);

        Assert.Equal(tokenizer.Words, loaded.Words);
        Assert.Equal(tokenizer.Options, loaded.Options);
        Assert.Equal(tokenizer.Encode(["z y unknown"], cancellationToken: TestContext.Current.CancellationToken).Ids, loaded.Encode(["z y unknown"], cancellationToken: TestContext.Current.CancellationToken).Ids);
    }

    [Fact]
    public void Loading_something_else_is_a_clear_error()
    {
        using var stream = new MemoryStream("{\"nope\":1}"u8.ToArray());

        Assert.Throws<InvalidDataException>(() => TextTokenizer.Load(stream));
    }
}
