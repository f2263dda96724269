using System.Globalization;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Export;
using LabelLoop.Core.Jobs;
using LabelLoop.Data.Export;
using LabelLoop.Data.Jobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace LabelLoop.Jobs.Export;

/// <summary>
/// What the API calls to start and remove exports: writes the export and job-run rows, then hands the scheduler a
/// trigger carrying the run's id (it lands in the shared store, so a web-only node can enqueue too).
/// </summary>
public sealed class ExportQueue(
    ISchedulerFactory schedulers,
    ExportRunService exports,
    JobRunService runs,
    TimeProvider time,
    IOptions<JobsOptions> options,
    ILogger<ExportQueue> logger)
{
    public async Task<ExportView> StartAsync(Caller caller, int projectId, string format, ExportFilter filter, CancellationToken cancellationToken = default)
    {
        var created = await exports.CreateAsync(caller, projectId, format, filter, cancellationToken);
        await ScheduleAsync(created.Run, cancellationToken);
        return created.View;
    }

    /// <summary>Deletes the export and its file; a queued or running one is cancelled and its trigger dropped.</summary>
    public async Task DeleteAsync(Caller caller, int projectId, long exportId, CancellationToken cancellationToken = default)
    {
        var jobRunId = await exports.DeleteAsync(caller, projectId, exportId, cancellationToken);
        try
        {
            var scheduler = await schedulers.GetScheduler(cancellationToken);
            await scheduler.UnscheduleJob(JobKeys.RunTrigger(jobRunId), cancellationToken);
        }
        catch (SchedulerException ex)
        {
            // The row is what counts: a trigger that still fires finds the run cancelled and does nothing.
            logger.LogWarning(ex, "Could not unschedule the trigger of job run {RunId}", jobRunId);
        }
    }

    /// <summary>Stores the export job (once) and a trigger for the run, firing now.</summary>
    public async Task ScheduleAsync(JobRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        try
        {
            var scheduler = await schedulers.GetScheduler(cancellationToken);
            if (!await scheduler.Exists(JobKeys.Export, cancellationToken))
            {
                var job = JobBuilder.Create<ExportJob>()
                    .WithIdentity(JobKeys.Export)
                    .WithDescription("Write an export file")
                    .StoreDurably()
                    .RequestRecovery()
                    .Build();
                await scheduler.AddJob(job, AddJobOptions.Replacing, cancellationToken);
            }
            var settings = options.Value;
            var trigger = TriggerBuilder.Create(time)
                .WithIdentity(JobKeys.RunTrigger(run.Id))
                .ForJob(JobKeys.Export)
                .UsingJobData(JobKeys.JobRunId, run.Id.ToString(CultureInfo.InvariantCulture))
                .WithRetryPolicy(RetryPolicy.Exponential(
                    Math.Max(1, settings.MaxRetries),
                    TimeSpan.FromSeconds(settings.RetryDelaySeconds),
                    2,
                    TimeSpan.FromSeconds(settings.RetryDelaySeconds * 16)))
                .StartNow()
                .Build();
            await scheduler.ScheduleJob(trigger, ScheduleJobOptions.Replacing, cancellationToken);
        }
        catch (Exception ex) when (ex is SchedulerException or Npgsql.NpgsqlException)
        {
            await runs.FailAsync(run.Id, $"Could not queue the job: {ex.Message}", CancellationToken.None);
            throw;
        }
    }
}
