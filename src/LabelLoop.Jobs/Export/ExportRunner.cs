using System.Globalization;
using LabelLoop.Core;
using LabelLoop.Core.Jobs;
using LabelLoop.Data.Export;
using LabelLoop.Data.Jobs;
using LabelLoop.Jobs.Training;
using Microsoft.Extensions.Logging;

namespace LabelLoop.Jobs.Export;

/// <summary>
/// The export job of one job run: writes the export's file under <c>DATA/exports/</c> with progress on the job-run
/// row, then records it (size, SHA-256, item count) and marks the run Succeeded in one transaction. Everything a
/// Hangfire job would do lives here, so tests run it directly.
/// </summary>
/// <remarks>
/// The file is written to a temporary name and renamed to its final name just before the commit, so a
/// half-written file is never served (the API serves a file only once its run succeeded). A cancel or a delete
/// stops the writing within about a second and removes the file; bad input fails the run with its message;
/// transient failures are retried by the scheduler unless this is the last try.
/// </remarks>
public sealed class ExportRunner(ExportRunService exportRuns, ExportService exports, JobRunService runs, ILogger<ExportRunner> logger)
{
    public async Task<RunOutcome> RunAsync(long jobRunId, RunAttempt attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        string? tempPath = null;
        string? finalPath = null;
        var moved = false;
        var completed = false;
        try
        {
            return await JobRunGuard.RunAsync(jobRunId, attempt, runs, logger, async (run, monitor) =>
            {
                var export = await exportRuns.FindByJobRunAsync(jobRunId, cancellationToken)
                    ?? throw new JobInputException("The export was deleted before it ran.");
                // Written for its requester as they are now: one whose account or role no longer allows exporting gets nothing.
                var requester = await exportRuns.RequesterAsync(export, cancellationToken)
                    ?? throw new JobInputException("The account that started the export is disabled or deleted; nothing was exported.");
                try
                {
                    await exports.EnsureCanExportAsync(requester, export.ProjectId, cancellationToken);
                }
                catch (AccessDeniedException ex)
                {
                    throw new JobInputException($"Nothing was exported: {ex.Message}");
                }
                var final = finalPath = exportRuns.PathOf(ExportRunService.FileNameFor(export));
                var temp = tempPath = Path.Combine(exportRuns.ExportsDir, "tmp", $"run-{jobRunId}-{Guid.NewGuid():N}.partial");
                monitor.Report(1, "Counting items");
                var filter = new ExportFilter(export.LabeledOnly, export.FinalLabel, export.SinceUtc, export.UntilUtc);
                Directory.CreateDirectory(Path.GetDirectoryName(temp)!);
                ExportResult result;
                await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                {
                    result = await exports.WriteAsync(requester, export.ProjectId, export.Format, filter, file,
                        (written, total) => monitor.Report(total > 0 ? 1 + (int)(written * 98 / total) : 99,
                            string.Create(CultureInfo.InvariantCulture, $"Exported {written} of {total} item(s)")),
                        monitor.Token);
                    await file.FlushAsync(monitor.Token);
                }
                monitor.Token.ThrowIfCancellationRequested();
                Directory.CreateDirectory(Path.GetDirectoryName(final)!);
                File.Move(temp, final, overwrite: true);
                moved = true;
                completed = await exportRuns.CompleteAsync(jobRunId, TrainingRunner.NodeName, export, result, CancellationToken.None);
                if (!completed)
                {
                    logger.LogInformation("Job run {RunId} was cancelled or its export deleted before it completed", jobRunId);
                    return RunOutcome.Cancelled;
                }
                logger.LogInformation("Job run {RunId}: export {ExportId} wrote {Items} item(s), {Bytes} bytes", jobRunId, export.Id, result.Items, result.Bytes);
                return RunOutcome.Succeeded;
            }, cancellationToken);
        }
        finally
        {
            if (tempPath is not null)
            {
                TryDelete(tempPath);
            }
            if (moved && !completed && finalPath is not null)
            {
                TryDelete(finalPath);
            }
        }
    }

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException ex)
        {
            logger.LogWarning(ex, "Could not delete {Path}", path);
        }
        catch (UnauthorizedAccessException ex)
        {
            logger.LogWarning(ex, "Could not delete {Path}", path);
        }
    }
}
