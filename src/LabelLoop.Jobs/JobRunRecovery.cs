using System.ComponentModel;
using LabelLoop.Core.Jobs;
using LabelLoop.Data.Jobs;
using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LabelLoop.Jobs;

/// <summary>
/// The periodic safety net behind Hangfire's own recovery, a recurring job every minute on any node: a run still
/// Running whose node has been silent past <see cref="JobsOptions.RunHeartbeatTimeoutSeconds"/> died with its node
/// and is queued again (no label is lost: a training reads the labels when it starts, and the project serves its
/// previous ranking meanwhile); a run Queued for over a minute whose Hangfire job is gone (a crash between our row
/// and the enqueue) gets a job again.
/// </summary>
public sealed class JobRunRecovery(JobRunService runs, JobQueue queue, TimeProvider time, IOptions<JobsOptions> options, ILogger<JobRunRecovery> logger)
{
    /// <summary>The recurring job's id in Hangfire.</summary>
    public const string RecurringJobId = "recover-job-runs";

    [Queue(JobQueues.Default)]
    [AutomaticRetry(Attempts = 0)]
    [DisplayName("Queue lost job runs again")]
    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var silentSince = now.AddSeconds(-options.Value.RunHeartbeatTimeoutSeconds);
        foreach (var run in await runs.ListAbandonedAsync(silentSince, cancellationToken))
        {
            if (run.ProjectId is null)
            {
                continue;
            }
            logger.LogWarning("Job run {RunId} was running on {Node}, which stopped; queueing it again", run.Id, run.Node);
            if (await runs.RequeueAbandonedAsync(run.Id, silentSince, $"Queued again: the process running it on {run.Node} stopped", cancellationToken))
            {
                await queue.ScheduleAsync(run, cancellationToken);
            }
        }
        foreach (var run in await runs.ListQueuedAsync(now.AddMinutes(-1), cancellationToken))
        {
            if (run.ProjectId is null || run.Kind == JobKind.Simulate || queue.HasPendingJob(run))
            {
                continue;
            }
            logger.LogWarning("Job run {RunId} was queued without a job to run it; queueing it again", run.Id);
            await queue.ScheduleAsync(run, cancellationToken);
        }
    }
}
