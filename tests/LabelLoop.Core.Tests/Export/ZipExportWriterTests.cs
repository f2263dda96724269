using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using LabelLoop.Core.Export;
using LabelLoop.Core.Import;
using Xunit;

namespace LabelLoop.Core.Tests.Export;

public sealed class ZipExportWriterTests
{
    private static readonly Dictionary<string, byte[]> Blobs = new()
    {
        ["h1"] = [1, 2, 3],
        ["h2"] = [4, 5],
        ["h3"] = [6],
        ["h4"] = [7, 7],
        ["h5"] = [8],
    };

    private static ExportRecord Image(long id, string externalId, string? label, string hash, string mediaType = "image/png") =>
        new(id, externalId, null, hash, label is null ? "unlabeled" : "labeled", label, [], null, mediaType);

    private static async Task<ZipArchive> WriteAsync(params ExportRecord[] records)
    {
        var output = new MemoryStream();
        // A non-seekable target, like an HTTP response body.
        await using (var forwardOnly = new HashingStream(output, leaveOpen: true))
        {
            await using var writer = ExportWriters.Create("zip", forwardOnly, hash => new MemoryStream(Blobs[hash]));
            foreach (var record in records)
            {
                await writer.WriteAsync(record, TestContext.Current.CancellationToken);
            }
        }
        output.Position = 0;
        return new ZipArchive(output, ZipArchiveMode.Read);
    }

    [Fact]
    public async Task Labeled_images_go_to_their_label_folder_and_unlabeled_ones_are_left_out()
    {
        using var zip = await WriteAsync(
            Image(1, "cats/a.png", "cat", "h1"),
            Image(2, "dogs/b.jpg", "dog", "h2", "image/jpeg"),
            Image(3, "c.png", null, "h3"),
            Image(4, "more/cats/a.png", "cat", "h4"));

        Assert.Equal(["cat/1_a.png", "dog/2_b.jpg", "cat/4_a.png"], zip.Entries.Select(e => e.FullName));
        await using var stream = await zip.GetEntry("dog/2_b.jpg")!.OpenAsync(TestContext.Current.CancellationToken);
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy, TestContext.Current.CancellationToken);
        Assert.Equal(Blobs["h2"], copy.ToArray());
    }

    [Fact]
    public async Task No_entry_escapes_its_folder_whatever_the_label_or_file_name()
    {
        using var zip = await WriteAsync(
            Image(1, "../../etc/passwd", "../..", "h1"),
            Image(2, "C:\\Windows\\x.png", "a/b", "h2"),
            Image(3, "x/..png", "a_b", "h3"),
            Image(4, "/abs/\u0000evil.png", "..", "h4"),
            Image(5, "ok.png", "\u00e9t\u00e9 \u2603", "h5"));

        var folders = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in zip.Entries)
        {
            Assert.Equal(entry.FullName, ImportPaths.Normalize(entry.FullName));
            var segments = entry.FullName.Split('/');
            Assert.Equal(2, segments.Length);
            Assert.All(segments, s => Assert.Matches("^[A-Za-z0-9._-]+$", s));
            Assert.All(segments, s => Assert.NotEqual("..", s));
            Assert.All(segments, s => Assert.NotEqual(".", s));
            folders.Add(segments[0]);
        }
        // Five distinct labels, five distinct folders ("a/b" and "a_b" sanitize alike but stay apart).
        Assert.Equal(5, folders.Count);
        Assert.Equal(5, zip.Entries.Select(e => e.FullName).Distinct().Count());
    }

    [Fact]
    public async Task An_empty_export_is_a_valid_empty_zip()
    {
        using var zip = await WriteAsync();

        Assert.Empty(zip.Entries);
    }

    [Fact]
    public void File_names_keep_the_id_and_a_safe_stem()
    {
        Assert.Equal("7_a.png", ZipEntryNames.FileName(7, "cats/a.png", "image/png"));
        Assert.Equal("7_photo.jpg", ZipEntryNames.FileName(7, "photo.JPEG", "image/jpeg"));
        Assert.Equal("7_my_file.gif", ZipEntryNames.FileName(7, "dir\\my file.gif", null));
        Assert.Equal("7.bin", ZipEntryNames.FileName(7, "", null));
    }

    [Fact]
    public async Task The_hashing_stream_hashes_and_counts_what_passes_through()
    {
        var inner = new MemoryStream();
        var data = Encoding.UTF8.GetBytes("hello, export\n");
        await using var hashing = new HashingStream(inner, leaveOpen: true);

        await hashing.WriteAsync(data.AsMemory(0, 5), TestContext.Current.CancellationToken);
        hashing.Write(data, 5, data.Length - 5);

        Assert.Equal(data.Length, hashing.BytesWritten);
        Assert.Equal(data, inner.ToArray());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), hashing.Sha256Hex());
    }
}
