using LabelLoop.Core.Import;
using Xunit;

namespace LabelLoop.Core.Tests.Import;

public sealed class ImageImportReaderTests
{
    private static (List<ImportCandidate> Candidates, List<ImportError> Errors) Read(ImportLimits limits, params ImportEntry[] entries)
    {
        var errors = new List<ImportError>();
        var candidates = new ImageImportReader(new ImageHeaderValidator(), limits).Read(entries, errors).Select(p => p.Candidate).ToList();
        return (candidates, errors);
    }

    private static (List<ImportCandidate> Candidates, List<ImportError> Errors) Read(params ImportEntry[] entries) =>
        Read(new ImportLimits(), entries);

    [Fact]
    public void Sub_folders_become_ground_truth_labels()
    {
        var (candidates, errors) = Read(
            TestFiles.Entry("cat/a.png", TestFiles.Png(1)),
            TestFiles.Entry("dog/b.png", TestFiles.Png(2)));

        Assert.Empty(errors);
        Assert.Equal([("cat/a.png", "cat"), ("dog/b.png", "dog")], candidates.Select(c => (c.ExternalId, c.GroundTruth)));
    }

    [Fact]
    public void Candidates_carry_hash_media_type_and_size()
    {
        var png = TestFiles.Png(1, width: 6, height: 2);

        var candidate = Assert.Single(Read(TestFiles.Entry("cat/a.png", png)).Candidates);

        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(png)), candidate.ContentHash);
        Assert.Equal(("image/png", 6, 2), (candidate.MediaType, candidate.Width, candidate.Height));
        Assert.Null(candidate.Text);
    }

    [Fact]
    public void Files_under_unlabeled_have_no_label()
    {
        var (candidates, errors) = Read(
            TestFiles.Entry("unlabeled/a.png", TestFiles.Png(1)),
            TestFiles.Entry("Unlabeled/nested/b.png", TestFiles.Png(2)));

        Assert.Empty(errors);
        Assert.All(candidates, c => Assert.Null(c.GroundTruth));
        Assert.Equal(2, candidates.Count);
    }

    [Fact]
    public void A_flat_folder_has_no_labels()
    {
        var (candidates, errors) = Read(
            TestFiles.Entry("a.png", TestFiles.Png(1)),
            TestFiles.Entry("b.png", TestFiles.Png(2)));

        Assert.Empty(errors);
        Assert.Equal([("a.png", null), ("b.png", null)], candidates.Select(c => (c.ExternalId, c.GroundTruth)));
    }

    [Fact]
    public void A_single_wrapper_folder_is_looked_through()
    {
        var (candidates, errors) = Read(
            TestFiles.Entry("fashion/cat/a.png", TestFiles.Png(1)),
            TestFiles.Entry("fashion/dog/b.png", TestFiles.Png(2)),
            TestFiles.Entry("fashion/unlabeled/c.png", TestFiles.Png(3)));

        Assert.Empty(errors);
        Assert.Equal(
            [("cat/a.png", "cat"), ("dog/b.png", "dog"), ("unlabeled/c.png", null)],
            candidates.Select(c => (c.ExternalId, c.GroundTruth)));
    }

    [Fact]
    public void System_litter_is_skipped_silently()
    {
        var (candidates, errors) = Read(
            TestFiles.Entry("cat/a.png", TestFiles.Png(1)),
            TestFiles.Entry("cat/.DS_Store", [1, 2, 3]),
            TestFiles.Entry("__MACOSX/cat/._a.png", [1, 2, 3]),
            TestFiles.Entry("README.md", "# notes"u8.ToArray()),
            TestFiles.Entry("cat/Thumbs.db", [1, 2, 3]));

        Assert.Empty(errors);
        Assert.Single(candidates);
    }

    [Fact]
    public void An_unknown_extension_is_an_error_naming_the_file()
    {
        var (candidates, errors) = Read(
            TestFiles.Entry("cat/a.png", TestFiles.Png(1)),
            TestFiles.Entry("cat/notes.txt", "hello"u8.ToArray()));

        var error = Assert.Single(errors);
        Assert.Equal("cat/notes.txt", error.Source);
        Assert.Contains("unsupported file type '.txt'", error.Message, StringComparison.Ordinal);
        Assert.Single(candidates);
    }

    [Fact]
    public void A_file_over_the_size_limit_is_an_error()
    {
        var png = TestFiles.Png(1, width: 64, height: 64);

        var (candidates, errors) = Read(new ImportLimits { MaxFileBytes = 100 }, TestFiles.Entry("cat/big.png", png));

        Assert.Empty(candidates);
        var error = Assert.Single(errors);
        Assert.Equal("cat/big.png", error.Source);
        Assert.Contains("over the 100-byte limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_size_limit_holds_when_the_declared_length_lies()
    {
        var png = TestFiles.Png(1, width: 64, height: 64);
        var lying = new ImportEntry("cat/bomb.png", 10, () => new MemoryStream(png));

        var (candidates, errors) = Read(new ImportLimits { MaxFileBytes = 100 }, lying);

        Assert.Empty(candidates);
        Assert.Contains("over the 100-byte limit", Assert.Single(errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_corrupt_image_is_an_error_naming_the_file()
    {
        var png = TestFiles.Png(1);
        png[42] ^= 0xFF;

        var (_, errors) = Read(TestFiles.Entry("cat/broken.png", png));

        var error = Assert.Single(errors);
        Assert.Equal("cat/broken.png", error.Source);
        Assert.Contains("bad CRC", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_content_is_kept_once_and_counted()
    {
        var png = TestFiles.Png(1);
        var reader = new ImageImportReader(new ImageHeaderValidator(), new ImportLimits());
        var errors = new List<ImportError>();

        var candidates = reader.Read(
            [TestFiles.Entry("cat/a.png", png), TestFiles.Entry("cat/copy-of-a.png", png), TestFiles.Entry("dog/b.png", TestFiles.Png(2))],
            errors).Select(p => p.Candidate).ToList();

        Assert.Empty(errors);
        Assert.Equal(["cat/a.png", "dog/b.png"], candidates.Select(c => c.ExternalId));
        Assert.Equal(1, reader.DuplicatesSkipped);
    }

    [Fact]
    public void A_blank_folder_name_is_an_empty_label_error()
    {
        var (_, errors) = Read(TestFiles.Entry("   /a.png", TestFiles.Png(1)));

        Assert.Equal("empty label", Assert.Single(errors).Message);
    }

    [Fact]
    public void A_folder_name_longer_than_a_label_may_be_is_an_error()
    {
        var name = new string('x', LabelNames.MaxLength + 1);

        var (candidates, errors) = Read(
            TestFiles.Entry($"{name}/a.png", TestFiles.Png(1)),
            TestFiles.Entry($"{new string('y', LabelNames.MaxLength)}/b.png", TestFiles.Png(2)));

        var error = Assert.Single(errors);
        Assert.Equal($"{name}/a.png", error.Source);
        Assert.Contains("longer than 64 characters", error.Message, StringComparison.Ordinal);
        Assert.Single(candidates);
    }

    [Fact]
    public void Label_folder_names_are_trimmed()
    {
        var candidate = Assert.Single(Read(TestFiles.Entry(" cat /a.png", TestFiles.Png(1))).Candidates);

        Assert.Equal("cat", candidate.GroundTruth);
    }
}
