namespace LabelLoop.Core.Import;

/// <summary>
/// An import source opened from a path: a folder, a <c>.zip</c>, or a single <c>.jsonl</c>/<c>.csv</c> file.
/// Keep it open while its entries are read.
/// </summary>
public sealed class OpenedImport : IDisposable
{
    private readonly IDisposable? _owner;

    private OpenedImport(ImportListing listing, IDisposable? owner)
    {
        Listing = listing;
        _owner = owner;
    }

    public ImportListing Listing { get; }

    public static OpenedImport Open(string path)
    {
        if (Directory.Exists(path))
        {
            return new OpenedImport(FolderImportSource.List(path), null);
        }
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"'{path}' is neither a folder nor a file", path);
        }
        return OpenFile(Path.GetFileName(path), File.OpenRead(path));
    }

    /// <summary>Opens an uploaded or local file by its name: zips are listed, anything else is a single entry.</summary>
    public static OpenedImport OpenFile(string fileName, Stream content)
    {
        if (fileName.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            var zip = ZipImportSource.Open(content);
            return new OpenedImport(zip.List(), zip);
        }
        var name = ImportPaths.Normalize(Path.GetFileName(fileName)) ?? "upload";
        var length = content.CanSeek ? content.Length : 0;
        var entry = new ImportEntry(name, length, () =>
        {
            content.Position = 0;
            return new NonClosingStream(content);
        });
        return new OpenedImport(new ImportListing([entry], []), content);
    }

    public void Dispose() => _owner?.Dispose();

    /// <summary>Lets a reader dispose its view while the owner keeps the underlying stream.</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
