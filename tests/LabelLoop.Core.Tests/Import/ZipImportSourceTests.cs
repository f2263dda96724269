using LabelLoop.Core.Import;
using Xunit;

namespace LabelLoop.Core.Tests.Import;

public sealed class ZipImportSourceTests
{
    [Fact]
    public void Entries_that_escape_the_archive_are_reported_and_not_listed()
    {
        var zip = TestFiles.Zip(
            ("cat/a.png", TestFiles.Png(1)),
            ("../evil.png", TestFiles.Png(2)),
            ("/etc/x.png", TestFiles.Png(3)),
            ("cat/../../up.png", TestFiles.Png(4)));
        using var source = ZipImportSource.Open(new MemoryStream(zip));

        var listing = source.List();

        Assert.Equal(["cat/a.png"], listing.Entries.Select(e => e.RelativePath));
        Assert.Equal(["../evil.png", "/etc/x.png", "cat/../../up.png"], listing.Errors.Select(e => e.Source).Order(StringComparer.Ordinal));
        Assert.All(listing.Errors, e => Assert.Contains("path traversal", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void An_entry_whose_name_holds_a_nul_is_reported_by_a_printable_name()
    {
        var zip = TestFiles.Zip(("cat/a.png", TestFiles.Png(1)), ("cat/b\0.png", TestFiles.Png(2)));
        using var source = ZipImportSource.Open(new MemoryStream(zip));

        var listing = source.List();

        Assert.Equal(["cat/a.png"], listing.Entries.Select(e => e.RelativePath));
        Assert.Equal(new ImportError("cat/b\\u0000.png", "zip entry name contains the NUL character (U+0000)"), Assert.Single(listing.Errors));
    }

    [Fact]
    public void Listed_entries_open_to_their_content_and_report_their_size()
    {
        var png = TestFiles.Png(1);
        using var source = ZipImportSource.Open(new MemoryStream(TestFiles.Zip(("dir/", []), ("dir/a.png", png))));

        var entry = Assert.Single(source.List().Entries);
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);

        Assert.Equal(("dir/a.png", png.Length), (entry.RelativePath, (int)entry.Length));
        Assert.Equal(png, copy.ToArray());
    }

    [Fact]
    public void Bytes_that_are_not_a_zip_are_an_invalid_data_error()
    {
        var ex = Assert.Throws<InvalidDataException>(() => ZipImportSource.Open(new MemoryStream("not a zip at all"u8.ToArray())));

        Assert.StartsWith("not a valid zip archive", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_uploaded_zip_is_opened_as_a_listing()
    {
        using var opened = OpenedImport.OpenFile("upload.ZIP", new MemoryStream(TestFiles.Zip(("a.png", TestFiles.Png(1)), ("../b.png", TestFiles.Png(2)))));

        Assert.Equal(["a.png"], opened.Listing.Entries.Select(e => e.RelativePath));
        Assert.Equal(["../b.png"], opened.Listing.Errors.Select(e => e.Source));
    }

    [Fact]
    public void A_file_too_short_to_be_a_zip_is_an_invalid_data_error_whatever_the_stream()
    {
        var ex = Assert.Throws<InvalidDataException>(() => ZipImportSource.Open(new NoSeekBeforeStartStream("PK"u8.ToArray())));

        Assert.StartsWith("not a valid zip archive", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Like an uploaded form file's stream: seeking before the start throws ArgumentOutOfRangeException.</summary>
    private sealed class NoSeekBeforeStartStream(byte[] content) : MemoryStream(content, writable: false)
    {
        public override long Seek(long offset, SeekOrigin loc)
        {
            var target = loc switch { SeekOrigin.Begin => offset, SeekOrigin.Current => Position + offset, _ => Length + offset };
            ArgumentOutOfRangeException.ThrowIfNegative(target, nameof(offset));
            return base.Seek(offset, loc);
        }

        public override long Position
        {
            get => base.Position;
            set
            {
                ArgumentOutOfRangeException.ThrowIfNegative(value);
                base.Position = value;
            }
        }
    }
}
