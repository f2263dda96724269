using LabelLoop.Data.Jobs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LabelLoop.Jobs;

/// <summary>
/// The loop's trigger: polls for projects whose labels grew past their retrain setting and asks for a chain
/// (debounced, so every node may run this). Annotators never wait on it: labeling only writes labels, and this
/// notices them on its next tick. A loop in the process rather than a Hangfire recurring job: it looks every
/// second, and a recurring job that often would write a job record per second per node.
/// </summary>
public sealed class RetrainWatcher(
    JobRunService runs, JobQueue queue, TimeProvider time, IOptions<JobsOptions> options, ILogger<RetrainWatcher> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(Math.Max(100, options.Value.LoopPollMilliseconds));
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await TickAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One pass: enqueue a chain for every project that is due. Public for tests.</summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var projectId in await runs.ProjectsDueForTrainingAsync(cancellationToken))
            {
                var run = await queue.RequestTrainingAsync(projectId, null, "new labels", cancellationToken);
                logger.LogInformation("Project {ProjectId} is due for training: job run {RunId}", projectId, run.Id);
            }
            var settings = options.Value;
            foreach (var projectId in await runs.ProjectsDueForPretrainingAsync(settings.PretrainMinItems, settings.PretrainGrowthPercent, cancellationToken))
            {
                var run = await queue.RequestPretrainingAsync(projectId, null, "the pool is new or has grown", cancellationToken);
                logger.LogInformation("Project {ProjectId} is due for pretraining: job run {RunId}", projectId, run.Id);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "The retrain check failed; trying again on the next tick");
        }
    }
}
