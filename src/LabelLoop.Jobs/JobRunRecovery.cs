using LabelLoop.Core.Jobs;
using LabelLoop.Data.Jobs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LabelLoop.Jobs;

/// <summary>
/// On the embedded SQLite database Quartz keeps its triggers in memory, so a stopped or killed process forgets them;
/// the JobRuns rows are the durable record. At start-up, before the scheduler runs, every run still Queued gets its
/// trigger again, and every run still Running (its process died mid-run: on SQLite only this node runs jobs) goes back
/// to Queued and is queued again.
/// </summary>
public sealed class JobRunRecovery(JobRunService runs, JobQueue queue, ILogger<JobRunRecovery> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var run in await runs.ListUnfinishedAsync(cancellationToken))
        {
            if (run.ProjectId is null)
            {
                continue;
            }
            if (run.Status == JobStatus.Running)
            {
                logger.LogWarning("Job run {RunId} was running when the process stopped; queueing it again", run.Id);
                await runs.RequeueAsync(run.Id, $"Queued again: the process running it on {run.Node} stopped", cancellationToken);
            }
            await queue.ScheduleAsync(run, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
