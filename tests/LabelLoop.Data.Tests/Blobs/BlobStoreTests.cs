using LabelLoop.Data.Blobs;
using LabelLoop.Testing;
using Microsoft.Extensions.Options;
using Xunit;

namespace LabelLoop.Data.Tests.Blobs;

public sealed class BlobStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly BlobStore _store;

    public BlobStoreTests() => _store = new BlobStore(Options.Create(new LabelLoopStorageOptions { DataDir = _dir.Path }));

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Put_stores_content_under_its_hash_once()
    {
        var content = TestImages.Png(1);
        var hash = TestImages.Sha256(content);

        var first = _store.Put(hash, content);
        var second = _store.Put(hash, content);

        Assert.True(first);
        Assert.False(second);
        Assert.True(_store.Exists(hash));
        Assert.Equal(Path.Combine(_dir.Path, "blobs", hash[..2], hash[2..4], hash), _store.PathOf(hash));
        using var stream = _store.OpenRead(hash);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        Assert.Equal(content, copy.ToArray());
        Assert.Equal([_store.PathOf(hash)], _dir.FilesUnder("blobs"));
    }

    [Theory]
    [InlineData("../../../../etc/passwd")]
    [InlineData("ab/../../../../../../etc/passwd000000000000000000000000000000000000")]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85")]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855/")]
    public void A_hash_that_is_not_lower_case_hex_sha256_is_refused(string hash)
    {
        Assert.False(BlobStore.IsValidHash(hash));
        Assert.Throws<ArgumentException>(() => _store.PathOf(hash));
        Assert.Throws<ArgumentException>(() => _store.Exists(hash));
        Assert.Throws<ArgumentException>(() => _store.OpenRead(hash));
    }

    [Fact]
    public void Content_that_does_not_match_its_hash_is_refused()
    {
        var hash = TestImages.Sha256(TestImages.Png(1));

        var ex = Assert.Throws<ArgumentException>(() => _store.Put(hash, TestImages.Png(2)));

        Assert.Contains("does not match its hash", ex.Message, StringComparison.Ordinal);
        Assert.False(_store.Exists(hash));
        Assert.Empty(_dir.FilesUnder("blobs"));
    }
}
