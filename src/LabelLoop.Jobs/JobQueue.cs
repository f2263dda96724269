using System.Globalization;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Jobs;
using LabelLoop.Data.Jobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace LabelLoop.Jobs;

/// <summary>
/// What the web and the loop call to start work: writes our job-run row, then hands the scheduler a trigger
/// carrying the row's id. Works on nodes that run no jobs themselves: the trigger lands in the shared store.
/// </summary>
public sealed class JobQueue(
    ISchedulerFactory schedulers,
    JobRunService runs,
    TimeProvider time,
    IOptions<JobsOptions> options,
    ILogger<JobQueue> logger)
{
    /// <summary>
    /// Asks for a train-and-score chain for the project; debounced to one queued chain per project (see
    /// <see cref="JobRunService.RequestTrainingAsync"/>). Returns the queued run that will cover the request.
    /// </summary>
    public async Task<JobRunView> RequestTrainingAsync(int projectId, string? userId, string reason, CancellationToken cancellationToken = default)
    {
        var request = await runs.RequestTrainingAsync(projectId, userId, reason, cancellationToken);
        if (request.Created)
        {
            await ScheduleAsync(request.Run, cancellationToken);
        }
        return JobRunView.From(request.Run);
    }

    /// <summary>
    /// Queues a simulation of the project's loop on its items with ground truth (admins only); the files land
    /// under <c>DATA/simulations/run-ID/</c>.
    /// </summary>
    public async Task<JobRunView> RequestSimulationAsync(Caller caller, int projectId, Simulation.SimulationParameters parameters, CancellationToken cancellationToken = default)
    {
        if (!caller.IsAdmin)
        {
            throw new Core.AccessDeniedException("Only admins can start a simulation.");
        }
        var json = System.Text.Json.JsonSerializer.Serialize(parameters, WebJson);
        var run = await runs.RequestSimulationAsync(projectId, caller.UserId, json, cancellationToken);
        await ScheduleAsync(run, cancellationToken);
        return JobRunView.From(run);
    }

    private static readonly System.Text.Json.JsonSerializerOptions WebJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    /// <summary>"Retrain now" from the UI or API: admins only.</summary>
    public async Task<JobRunView> RetrainNowAsync(Caller caller, int projectId, CancellationToken cancellationToken = default)
    {
        if (!caller.IsAdmin)
        {
            throw new Core.AccessDeniedException("Only admins can start a training.");
        }
        return await RequestTrainingAsync(projectId, caller.UserId, "retrain requested", cancellationToken);
    }

    /// <summary>Cancels a run: a queued one never starts, a running one stops within about a second.</summary>
    public async Task<JobRunView> CancelAsync(Caller caller, long jobRunId, CancellationToken cancellationToken = default)
    {
        var view = await runs.CancelAsync(caller, jobRunId, cancellationToken);
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
        return view;
    }

    /// <summary>Stores the project's job (once) and a trigger for the run, firing now.</summary>
    public async Task ScheduleAsync(JobRun run, CancellationToken cancellationToken = default)
    {
        var projectId = run.ProjectId ?? throw new ArgumentException("Training runs belong to a project.", nameof(run));
        try
        {
            var scheduler = await schedulers.GetScheduler(cancellationToken);
            var simulate = run.Kind == JobKind.Simulate;
            var jobKey = simulate ? JobKeys.Simulate(projectId) : JobKeys.TrainAndScore(projectId);
            if (!await scheduler.Exists(jobKey, cancellationToken))
            {
                var job = JobBuilder.Create().OfType(simulate ? typeof(SimulateJob) : typeof(TrainAndScoreJob))
                    .WithIdentity(jobKey)
                    .WithDescription(simulate ? $"Simulate project {projectId}" : $"Train and score project {projectId}")
                    .StoreDurably()
                    .RequestRecovery()
                    .DisallowConcurrentExecution()
                    .Build();
                await scheduler.AddJob(job, AddJobOptions.Replacing, cancellationToken);
            }
            var settings = options.Value;
            var trigger = TriggerBuilder.Create(time)
                .WithIdentity(JobKeys.RunTrigger(run.Id))
                .ForJob(jobKey)
                .UsingJobData(JobKeys.JobRunId, run.Id.ToString(CultureInfo.InvariantCulture))
                .WithExecutionGroup(JobKeys.MlExecutionGroup)
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

    /// <summary>Whether the scheduler still holds the trigger of a run (queued runs without one were lost).</summary>
    public async Task<bool> HasTriggerAsync(long jobRunId, CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        return await scheduler.Exists(JobKeys.RunTrigger(jobRunId), cancellationToken);
    }
}
