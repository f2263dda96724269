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
/// Quartz job would do lives here, so tests run it directly.
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
        var node = TrainingRunner.NodeName;
        var run = await runs.StartAsync(jobRunId, node, cancellationToken);
        if (run is null)
        {
            logger.LogInformation("Job run {RunId} is finished or cancelled; nothing to do", jobRunId);
            return RunOutcome.Skipped;
        }
        var export = await exportRuns.FindByJobRunAsync(jobRunId, cancellationToken);
        if (export is null)
        {
            await runs.FailAsync(jobRunId, "The export was deleted before it ran.", CancellationToken.None);
            return RunOutcome.Failed;
        }
        var finalPath = exportRuns.PathOf(ExportRunService.FileNameFor(export));
        var tempPath = Path.Combine(exportRuns.ExportsDir, "tmp", $"run-{jobRunId}-{Guid.NewGuid():N}.partial");
        var monitor = new RunMonitor(jobRunId, node, runs, logger, cancellationToken);
        var moved = false;
        var completed = false;
        try
        {
            monitor.Report(1, "Counting items");
            var filter = new ExportFilter(export.LabeledOnly, export.FinalLabel, export.SinceUtc, export.UntilUtc);
            Directory.CreateDirectory(Path.GetDirectoryName(tempPath)!);
            ExportResult result;
            await using (var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                result = await exports.WriteAsync(export.ProjectId, export.Format, filter, file,
                    (written, total) => monitor.Report(total > 0 ? 1 + (int)(written * 98 / total) : 99,
                        string.Create(CultureInfo.InvariantCulture, $"Exported {written} of {total} item(s)")),
                    monitor.Token);
                await file.FlushAsync(monitor.Token);
            }
            monitor.Token.ThrowIfCancellationRequested();
            Directory.CreateDirectory(Path.GetDirectoryName(finalPath)!);
            File.Move(tempPath, finalPath, overwrite: true);
            moved = true;
            completed = await exportRuns.CompleteAsync(jobRunId, node, export, result, CancellationToken.None);
            if (!completed)
            {
                logger.LogInformation("Job run {RunId} was cancelled or its export deleted before it completed", jobRunId);
                return RunOutcome.Cancelled;
            }
            logger.LogInformation("Job run {RunId}: export {ExportId} wrote {Items} item(s), {Bytes} bytes", jobRunId, export.Id, result.Items, result.Bytes);
            return RunOutcome.Succeeded;
        }
        catch (OperationCanceledException) when (monitor.CancelledByRow)
        {
            logger.LogInformation("Job run {RunId} stopped: cancelled", jobRunId);
            return RunOutcome.Cancelled;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown: the scheduler hands the firing back for recovery; the row waits for it as Queued.
            await runs.RequeueAsync(jobRunId, "Interrupted by a shutdown; runs again when a worker is up", CancellationToken.None);
            throw;
        }
        catch (Exception ex) when (ex is JobInputException or DomainValidationException or NotFoundException)
        {
            await runs.FailAsync(jobRunId, ex.Message, CancellationToken.None);
            return RunOutcome.Failed;
        }
        catch (Exception ex) when (TrainingRunner.IsTransient(ex))
        {
            if (attempt.IsLast)
            {
                logger.LogError(ex, "Job run {RunId} failed after {Attempts} tries", jobRunId, attempt.Number + 1);
                await runs.FailAsync(jobRunId, ex.Message, CancellationToken.None);
                return RunOutcome.Failed;
            }
            logger.LogWarning(ex, "Job run {RunId} hit a transient failure; it will be retried", jobRunId);
            await runs.RequeueAsync(jobRunId, $"Retrying after a transient failure (try {attempt.Number + 1}): {ex.Message}", CancellationToken.None);
            throw new TransientJobException(ex.Message, ex);
        }
#pragma warning disable CA1031 // Any other failure is recorded on the row, shown as is, and not retried.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            logger.LogError(ex, "Job run {RunId} failed", jobRunId);
            await runs.FailAsync(jobRunId, ex.Message, CancellationToken.None);
            return RunOutcome.Failed;
        }
        finally
        {
            await monitor.DisposeAsync();
            TryDelete(tempPath);
            if (moved && !completed)
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
