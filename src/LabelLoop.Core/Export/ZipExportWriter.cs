using System.IO.Compression;

namespace LabelLoop.Core.Export;

/// <summary>
/// An ImageNet-style zip: one folder per final label holding that label's images (<see cref="ZipEntryNames"/>).
/// Items without a final label or without image bytes are left out: the zip is training data, the JSONL export
/// is the whole pool. Images are stored, not deflated (PNG and JPEG are compressed already).
/// </summary>
/// <remarks>
/// Entries stream straight to <c>output</c>, which need not be seekable (an HTTP response). The archive's
/// central directory, written at the end, keeps one small record per entry in memory until then.
/// </remarks>
public sealed class ZipExportWriter : IExportWriter
{
    private readonly Stream _output;
    private readonly Func<string, Stream> _openBlob;
    private readonly AsyncDrainStream _sink;
    private readonly ZipArchive _zip;
    private readonly ZipEntryNames _names = new();

    public ZipExportWriter(Stream output, Func<string, Stream> openBlob)
    {
        _output = output;
        _openBlob = openBlob;
        // ZipArchive writes headers synchronously; the sink keeps them until the entry is drained asynchronously.
        _sink = new AsyncDrainStream(output);
        _zip = new ZipArchive(_sink, ZipArchiveMode.Create, leaveOpen: true);
    }

    public string Format => ExportWriters.Zip;

    /// <summary>Images written so far.</summary>
    public long Written { get; private set; }

    public async Task WriteAsync(ExportRecord record, CancellationToken cancellationToken)
    {
        if (record.FinalLabel is null || record.BlobHash is null)
        {
            return;
        }
        var name = $"{_names.FolderOf(record.FinalLabel)}/{ZipEntryNames.FileName(record.Id, record.ExternalId, record.MediaType)}";
        var entry = _zip.CreateEntry(name, CompressionLevel.NoCompression);
        entry.LastWriteTime = new DateTimeOffset(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await using (var source = _openBlob(record.BlobHash))
        {
            await using var target = await entry.OpenAsync(cancellationToken);
            await source.CopyToAsync(target, cancellationToken);
        }
        await _sink.DrainAsync(cancellationToken);
        Written++;
    }

    public async ValueTask DisposeAsync()
    {
        await _zip.DisposeAsync();
        await _sink.DrainAsync();
        await _sink.DisposeAsync();
        await _output.FlushAsync();
    }
}
