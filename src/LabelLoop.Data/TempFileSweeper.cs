using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LabelLoop.Data;

/// <summary>
/// Removes what a killed process left in the data folder's temporary folders (<c>DATA/tmp</c>: upload buffers
/// <c>upload-*</c> and import staging folders <c>import-*</c>; <c>DATA/exports/tmp</c>: half-written exports) when
/// <c>serve</c>, <c>worker</c> or a CLI command starts. Normal endings delete their own temporaries; only a crash or a
/// <c>kill -9</c> leaves them.
/// </summary>
/// <remarks>
/// Several nodes may share the data folder, and another node's running import holds its files there: no node can
/// tell whether a file is in use elsewhere, so only entries untouched for <see cref="LabelLoopStorageOptions.TempMaxAge"/>
/// (a folder counts as touched when anything inside it was) are removed, an age no running import or export reaches
/// without writing. A file that cannot be removed is logged and left; start-up never fails because of it.
/// </remarks>
public sealed class TempFileSweeper(IOptions<LabelLoopStorageOptions> storage, TimeProvider time, ILogger<TempFileSweeper> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var removed = Sweep();
        if (removed > 0)
        {
            logger.LogInformation("Removed {Count} stale temporary file(s) or folder(s) older than {Age} from the data folder", removed, storage.Value.TempMaxAge);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The folders swept: every entry directly inside them is a temporary.</summary>
    public IReadOnlyList<string> Folders => [storage.Value.TempDir, Path.Combine(storage.Value.ExportsDir, "tmp")];

    /// <summary>Removes the stale entries of <see cref="Folders"/> and returns how many went.</summary>
    public int Sweep()
    {
        var cutoff = time.GetUtcNow().UtcDateTime - storage.Value.TempMaxAge;
        var removed = 0;
        foreach (var folder in Folders.Where(Directory.Exists))
        {
            foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
            {
                try
                {
                    if (LastTouchedUtc(entry) >= cutoff)
                    {
                        continue;
                    }
                    if (entry is DirectoryInfo directory)
                    {
                        directory.Delete(recursive: true);
                    }
                    else
                    {
                        entry.Delete();
                    }
                    removed++;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    logger.LogWarning(ex, "Could not remove the stale temporary {Path}", entry.FullName);
                }
            }
        }
        return removed;
    }

    private static DateTime LastTouchedUtc(FileSystemInfo entry)
    {
        var newest = entry.LastWriteTimeUtc;
        if (entry is DirectoryInfo directory)
        {
            foreach (var inner in directory.EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true }))
            {
                if (inner.LastWriteTimeUtc > newest)
                {
                    newest = inner.LastWriteTimeUtc;
                }
            }
        }
        return newest;
    }
}
