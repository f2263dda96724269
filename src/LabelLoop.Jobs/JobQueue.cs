using System.Globalization;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Jobs;
using LabelLoop.Data.Jobs;
using LabelLoop.Jobs.Import;
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

    /// <summary>Asks for a pretraining of the project's encoder; debounced to one queued per project.</summary>
    public async Task<JobRunView> RequestPretrainingAsync(int projectId, string? userId, string reason, CancellationToken cancellationToken = default)
    {
        var request = await runs.RequestPretrainingAsync(projectId, userId, reason, cancellationToken);
        if (request.Created)
        {
            await ScheduleAsync(request.Run, cancellationToken);
        }
        return JobRunView.From(request.Run);
    }

    /// <summary>
    /// Queues the import of an uploaded file already saved at <paramref name="path"/> (relative to the data
    /// directory's uploads folder, so any node sharing the data directory can run it); the job deletes it when done.
    /// </summary>
    public async Task<JobRunView> QueueImportAsync(Caller caller, int projectId, string path, string fileName, bool addMissingLabels, CancellationToken cancellationToken = default)
    {
        if (!caller.IsAdmin)
        {
            throw new Core.AccessDeniedException("Only admins can import.");
        }
        var parameters = System.Text.Json.JsonSerializer.Serialize(new ImportParameters(projectId, path, fileName, addMissingLabels), ImportParameters.Json);
        var run = await runs.QueueImportAsync(projectId, caller.UserId, parameters, fileName, cancellationToken);
        await ScheduleAsync(run, cancellationToken);
        return JobRunView.From(run);
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

    /// <summary>"Pretrain now" from the UI or API: admins only.</summary>
    public async Task<JobRunView> PretrainNowAsync(Caller caller, int projectId, CancellationToken cancellationToken = default)
    {
        if (!caller.IsAdmin)
        {
            throw new Core.AccessDeniedException("Only admins can start a pretraining.");
        }
        return await RequestPretrainingAsync(projectId, caller.UserId, "pretraining requested", cancellationToken);
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

    /// <summary>
    /// Runs a failed or cancelled training again: a new train-and-score request (debounced like any other), which
    /// trains on the labels present when it starts. Admins only.
    /// </summary>
    public async Task<JobRunView> RetryAsync(Caller caller, long jobRunId, CancellationToken cancellationToken = default)
    {
        var run = await runs.GetAsync(caller, jobRunId, cancellationToken);
        if (!caller.IsAdmin)
        {
            throw new Core.AccessDeniedException("Only admins can retry jobs.");
        }
        if (run.Status is not (JobStatus.Failed or JobStatus.Cancelled) || run.Kind != JobKind.Train || run.ProjectId is not { } projectId)
        {
            throw new Core.DomainValidationException("job", $"Job {jobRunId} is {run.Status}: only failed or cancelled trainings can be retried.");
        }
        return await RequestTrainingAsync(projectId, caller.UserId, $"retry of job #{jobRunId}", cancellationToken);
    }

    /// <summary>Cancels a run: a queued one never starts, a running one stops within about a second.</summary>
    public async Task<JobRunView> CancelAsync(Caller caller, long jobRunId, CancellationToken cancellationToken = default)
    {
        var view = await runs.CancelAsync(caller, jobRunId, cancellationToken);
        await UnscheduleAsync(jobRunId, cancellationToken);
        return view;
    }

    /// <summary>Stores the project's job (once) and a trigger for the run, firing now.</summary>
    public async Task ScheduleAsync(JobRun run, CancellationToken cancellationToken = default)
    {
        var projectId = run.ProjectId ?? throw new ArgumentException("Job runs scheduled here belong to a project.", nameof(run));
        try
        {
            var scheduler = await schedulers.GetScheduler(cancellationToken);
            // Per-project jobs run one firing at a time; the one export job runs exports side by side.
            var (jobKey, jobType, description, oneAtATime) = run.Kind switch
            {
                JobKind.Train => (JobKeys.TrainAndScore(projectId), typeof(TrainAndScoreJob), $"Train and score project {projectId}", true),
                JobKind.Pretrain => (JobKeys.Pretrain(projectId), typeof(PretrainJob), $"Pretrain the encoder of project {projectId}", true),
                JobKind.Import => (JobKeys.Import(projectId), typeof(ImportJob), $"Import into project {projectId}", true),
                JobKind.Simulate => (JobKeys.Simulate(projectId), typeof(SimulateJob), $"Simulate project {projectId}", true),
                JobKind.Export => (JobKeys.Export, typeof(ExportJob), "Write an export file", false),
                _ => throw new ArgumentException($"Job runs of kind {run.Kind} are not scheduled here.", nameof(run)),
            };
            if (!await scheduler.Exists(jobKey, cancellationToken))
            {
                var job = JobBuilder.Create()
                    .OfType(jobType)
                    .WithIdentity(jobKey)
                    .WithDescription(description)
                    .StoreDurably()
                    .RequestRecovery();
                await scheduler.AddJob((oneAtATime ? job.DisallowConcurrentExecution() : job).Build(), AddJobOptions.Replacing, cancellationToken);
            }
            var settings = options.Value;
            var trigger = TriggerBuilder.Create(time)
                .WithIdentity(JobKeys.RunTrigger(run.Id))
                .ForJob(jobKey)
                .UsingJobData(JobKeys.JobRunId, run.Id.ToString(CultureInfo.InvariantCulture))
                .WithExecutionGroup(run.Kind is JobKind.Import or JobKind.Export ? null : JobKeys.MlExecutionGroup)
                .WithRetryPolicy(RetryPolicy.Exponential(
                    Math.Max(1, settings.MaxRetries),
                    TimeSpan.FromSeconds(settings.RetryDelaySeconds),
                    2,
                    TimeSpan.FromSeconds(settings.RetryDelaySeconds * 16)))
                .StartNow()
                .Build();
            await scheduler.ScheduleJob(trigger, ScheduleJobOptions.Replacing, cancellationToken);
        }
        catch (Exception ex) when (ex is SchedulerException or System.Data.Common.DbException)
        {
            await runs.FailAsync(run.Id, $"Could not queue the job: {ex.Message}", CancellationToken.None);
            throw;
        }
    }

    /// <summary>Drops the trigger of a run; one that fires anyway finds the run's row finished and does nothing.</summary>
    public async Task UnscheduleAsync(long jobRunId, CancellationToken cancellationToken = default)
    {
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

    /// <summary>Whether the scheduler still holds the trigger of a run (queued runs without one were lost).</summary>
    public async Task<bool> HasTriggerAsync(long jobRunId, CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        return await scheduler.Exists(JobKeys.RunTrigger(jobRunId), cancellationToken);
    }
}
