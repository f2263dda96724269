using System.IO.Compression;

namespace LabelLoop.Core.Import;

/// <summary>
/// Lists the entries of a zip archive. Entries whose names escape the archive's root (absolute paths, drive
/// letters, <c>..</c>) are reported as errors and never opened.
/// </summary>
/// <remarks>Not thread-safe: entries must be opened one at a time while the source is alive.</remarks>
public sealed class ZipImportSource : IDisposable
{
    private readonly ZipArchive _archive;

    private ZipImportSource(ZipArchive archive) => _archive = archive;

    public static ZipImportSource Open(Stream zip)
    {
        try
        {
            return new ZipImportSource(new ZipArchive(zip, ZipArchiveMode.Read, leaveOpen: false));
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"not a valid zip archive: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is IOException or ArgumentOutOfRangeException)
        {
            // A file shorter than the zip trailer makes the reader seek before the start: upload streams
            // refuse that with ArgumentOutOfRangeException, files with IOException.
            throw new InvalidDataException("not a valid zip archive: the file is too short to be one", ex);
        }
    }

    public ImportListing List()
    {
        var entries = new List<ImportEntry>();
        var errors = new List<ImportError>();
        foreach (var entry in _archive.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal))
        {
            if (entry.FullName.EndsWith('/') || entry.FullName.EndsWith('\\'))
            {
                continue;
            }
            if (TextInput.HasNul(entry.FullName))
            {
                // The name would be stored (as the item's external id) and shown: say what is wrong with it.
                errors.Add(new ImportError(TextInput.Printable(entry.FullName), "zip entry name contains the NUL character (U+0000)"));
                continue;
            }
            var normalized = ImportPaths.Normalize(entry.FullName);
            if (normalized is null)
            {
                errors.Add(new ImportError(entry.FullName, "zip entry escapes the archive's folder (path traversal)"));
                continue;
            }
            var captured = entry;
            entries.Add(new ImportEntry(normalized, entry.Length, captured.Open));
        }
        return new ImportListing(entries, errors);
    }

    public void Dispose() => _archive.Dispose();
}
