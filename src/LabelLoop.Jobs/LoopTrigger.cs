using System.ComponentModel;
using System.Threading.Channels;
using Hangfire;
using LabelLoop.Data;
using LabelLoop.Data.Jobs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LabelLoop.Jobs;

/// <summary>
/// The learning loop's trigger: finds projects whose labels grew past their retrain setting, or whose pool is new or
/// grew past the pretraining setting, and asks for a run (debounced under the project row, so any number of nodes
/// may ask at once). It checks when a label or an import commits on this node (<see cref="CommitSignals.ProjectChanged"/>)
/// and every minute as a Hangfire recurring job (<see cref="CheckAsync"/>),
/// which is what retrains on a schedule (<c>RetrainIntervalMinutes</c>) and catches anything a signal missed.
/// Annotators never wait on it: the commit only wakes it, and checks run one at a time, at most one per
/// <see cref="JobsOptions.LoopCheckMilliseconds"/>, however fast labels arrive.
/// </summary>
public sealed class LoopTrigger(
    JobRunService runs, JobQueue queue, CommitSignals signals, TimeProvider time, IOptions<JobsOptions> options, ILogger<LoopTrigger> logger)
    : BackgroundService
{
    /// <summary>The recurring check's id in Hangfire.</summary>
    public const string RecurringJobId = "check-learning-loop";

    // One waiting wake-up is enough: a check reads every project, so wakes that arrive while one waits add nothing.
    private readonly Channel<bool> _wakes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Asks for a check soon, off the committing thread.</summary>
    private void OnProjectChanged(int projectId) => _wakes.Writer.TryWrite(true);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        signals.ProjectChanged += OnProjectChanged;
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        signals.ProjectChanged -= OnProjectChanged;
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var spacing = TimeSpan.FromMilliseconds(Math.Max(0, options.Value.LoopCheckMilliseconds));
        try
        {
            await foreach (var _ in _wakes.Reader.ReadAllAsync(stoppingToken))
            {
                await TickAsync(stoppingToken);
                if (spacing > TimeSpan.Zero)
                {
                    await Task.Delay(spacing, time, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The recurring job: one check, on whichever node runs the default queue.</summary>
    [Queue(JobQueues.Default)]
    [AutomaticRetry(Attempts = 0)]
    [DisplayName("Check which projects are due for training")]
    public Task CheckAsync(CancellationToken cancellationToken) => TickAsync(cancellationToken);

    /// <summary>One pass: enqueue a run for every project that is due. Public for tests.</summary>
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
            logger.LogWarning(ex, "The learning loop's check failed; the next label or the minutely check tries again");
        }
    }
}
