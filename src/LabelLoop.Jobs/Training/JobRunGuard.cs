using LabelLoop.Core;
using LabelLoop.Core.Jobs;
using LabelLoop.Data.Jobs;
using Microsoft.Extensions.Logging;

namespace LabelLoop.Jobs.Training;

/// <summary>
/// The life of one job run around its work: start the row (or skip a finished one), watch it for a cancel and
/// report progress, and map every ending onto the row: success, bad input (failed, no retry), a transient failure
/// (requeued and retried unless it was the last try), a cancel, or a shutdown (requeued for recovery).
/// </summary>
internal static class JobRunGuard
{
    /// <param name="work">The run's work; returns its outcome (it publishes and marks success itself).</param>
    public static async Task<RunOutcome> RunAsync(
        long jobRunId,
        RunAttempt attempt,
        JobRunService runs,
        ILogger logger,
        Func<JobRun, RunMonitor, Task<RunOutcome>> work,
        CancellationToken cancellationToken)
    {
        var node = TrainingRunner.NodeName;
        var run = await runs.StartAsync(jobRunId, node, attempt.HeartbeatTimeout ?? JobRunService.DefaultHeartbeatTimeout, cancellationToken);
        if (run is null)
        {
            logger.LogInformation("Job run {RunId} is finished or cancelled; nothing to do", jobRunId);
            return RunOutcome.Skipped;
        }
        var monitor = new RunMonitor(jobRunId, node, runs, logger, cancellationToken);
        try
        {
            return await work(run, monitor);
        }
        catch (OperationCanceledException) when (monitor.CancelledByRow)
        {
            logger.LogInformation("Job run {RunId} stopped: cancelled", jobRunId);
            return RunOutcome.Cancelled;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
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
        }
    }
}
