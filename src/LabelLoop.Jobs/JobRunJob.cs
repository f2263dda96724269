using System.ComponentModel;
using LabelLoop.Core.Jobs;
using LabelLoop.Data.Jobs;
using LabelLoop.Jobs.Export;
using LabelLoop.Jobs.Import;
using LabelLoop.Jobs.Pretraining;
using LabelLoop.Jobs.Simulation;
using LabelLoop.Jobs.Training;
using Hangfire;
using Hangfire.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LabelLoop.Jobs;

/// <summary>
/// The Hangfire side of every job run of ours: a job carries the run's id and kind only, and this hands it to the
/// kind's runner with the try it is on (Hangfire's retry count), so the last try of a transient failure ends the
/// run as failed. A transient failure before the last try is thrown back to Hangfire, whose retry filter waits
/// (exponential back-off) and runs it again. All logic lives in the runners, which tests call directly.
/// </summary>
public sealed class JobRunJob(IServiceProvider services, IBackgroundJobClient client, JobRunService runs, IOptions<JobsOptions> options, ILogger<JobRunJob> logger)
{
    /// <summary>How long a run that found its project busy waits before it tries again.</summary>
    public static readonly TimeSpan BusyDelay = TimeSpan.FromSeconds(2);

    /// <summary>Training, pretraining, simulation.</summary>
    [Queue(JobQueues.Ml)]
    [DisplayName("{1} run #{0}")]
    public Task Ml(long jobRunId, JobKind kind, PerformContext? context, CancellationToken cancellationToken) =>
        RunAsync(jobRunId, kind, context, cancellationToken);

    /// <summary>Import, export.</summary>
    [Queue(JobQueues.Default)]
    [DisplayName("{1} run #{0}")]
    public Task Default(long jobRunId, JobKind kind, PerformContext? context, CancellationToken cancellationToken) =>
        RunAsync(jobRunId, kind, context, cancellationToken);

    private async Task RunAsync(long jobRunId, JobKind kind, PerformContext? context, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var retries = context?.GetJobParameter<int>("RetryCount") ?? 0;
        var attempt = new RunAttempt(retries, retries >= settings.MaxRetries, TimeSpan.FromSeconds(settings.RunHeartbeatTimeoutSeconds));
        if (context is not null && WasFinished(context)
            && await runs.ReopenAsync(jobRunId, "Queued again from the jobs dashboard", cancellationToken))
        {
            logger.LogInformation("Job run {RunId} was retried from the jobs dashboard", jobRunId);
        }
        try
        {
            var outcome = kind switch
            {
                JobKind.Train => await services.GetRequiredService<TrainingRunner>().RunAsync(jobRunId, attempt, cancellationToken),
                JobKind.Pretrain => await services.GetRequiredService<PretrainRunner>().RunAsync(jobRunId, attempt, cancellationToken),
                JobKind.Import => await services.GetRequiredService<ImportRunner>().RunAsync(jobRunId, attempt, cancellationToken),
                JobKind.Export => await services.GetRequiredService<ExportRunner>().RunAsync(jobRunId, attempt, cancellationToken),
                JobKind.Simulate => await services.GetRequiredService<SimulationRunner>().RunAsync(jobRunId, cancellationToken),
                _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a kind of job run."),
            };
            logger.LogDebug("Job run {RunId} ({Kind}) ended: {Outcome}", jobRunId, kind, outcome);
        }
        catch (ProjectBusyException ex)
        {
            // One run of a kind per project at a time, across nodes: this one waits its turn without using a retry.
            logger.LogInformation("{Message}", ex.Message);
            var id = JobQueue.Schedule(client, jobRunId, kind, BusyDelay);
            await runs.SetBackgroundJobAsync(jobRunId, id, CancellationToken.None);
        }
    }

    /// <summary>
    /// Whether this job had finished (failed, succeeded or deleted) before this execution: only an admin's retry on the
    /// jobs dashboard runs a finished job again (automatic retries never enter the failed state).
    /// </summary>
    private static bool WasFinished(PerformContext context)
    {
        var history = context.Storage.GetMonitoringApi().JobDetails(context.BackgroundJob.Id)?.History;
        return history is not null && history.Any(h => h.StateName is "Failed" or "Succeeded" or "Deleted");
    }
}
