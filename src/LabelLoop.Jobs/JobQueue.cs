using LabelLoop.Core.Accounts;
using LabelLoop.Core.Jobs;
using LabelLoop.Data.Jobs;
using LabelLoop.Jobs.Import;
using Hangfire;
using Hangfire.States;
using Microsoft.Extensions.Logging;

namespace LabelLoop.Jobs;

/// <summary>
/// What the web and the loop call to start work: writes our job-run row, then enqueues a Hangfire job carrying the
/// row's id in its kind's queue and records the job's id on the row. Works on nodes that run no jobs themselves:
/// the job lands in the shared storage for a node that does.
/// </summary>
public sealed class JobQueue(
    IBackgroundJobClient client,
    JobStorage storage,
    JobRunService runs,
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

    /// <summary>Enqueues a Hangfire job for the run in its kind's queue and links it to the row.</summary>
    public async Task ScheduleAsync(JobRun run, CancellationToken cancellationToken = default)
    {
        if (run.ProjectId is null || run.Kind is not (JobKind.Train or JobKind.Pretrain or JobKind.Import or JobKind.Export or JobKind.Simulate))
        {
            throw new ArgumentException($"Job runs of kind {run.Kind} without a project are not queued here.", nameof(run));
        }
        string id;
        try
        {
            id = Schedule(client, run.Id, run.Kind, TimeSpan.Zero);
        }
        catch (BackgroundJobClientException ex)
        {
            await runs.FailAsync(run.Id, $"Could not queue the job: {ex.InnerException?.Message ?? ex.Message}", CancellationToken.None);
            throw;
        }
        await runs.SetBackgroundJobAsync(run.Id, id, cancellationToken);
    }

    /// <summary>Creates the Hangfire job of a run, enqueued now or scheduled after <paramref name="delay"/>; returns its id.</summary>
    internal static string Schedule(IBackgroundJobClient client, long jobRunId, JobKind kind, TimeSpan delay)
    {
        var queue = JobQueues.For(kind);
        IState state = delay > TimeSpan.Zero ? new ScheduledState(delay) : new EnqueuedState(queue);
        return queue == JobQueues.Ml
            ? client.Create<JobRunJob>(j => j.Ml(jobRunId, kind, null, CancellationToken.None), state)
            : client.Create<JobRunJob>(j => j.Default(jobRunId, kind, null, CancellationToken.None), state);
    }

    /// <summary>Deletes the run's Hangfire job; one already running finds the run's row finished and stops.</summary>
    public async Task UnscheduleAsync(long jobRunId, CancellationToken cancellationToken = default)
    {
        if (await runs.FindAsync(jobRunId, cancellationToken) is not { BackgroundJobId: { } id })
        {
            return;
        }
        try
        {
            client.Delete(id);
        }
        catch (BackgroundJobClientException ex)
        {
            // The row is what counts: a job that still runs finds the run cancelled and does nothing.
            logger.LogWarning(ex, "Could not delete Hangfire job {JobId} of job run {RunId}", id, jobRunId);
        }
    }

    private static readonly HashSet<string> PendingStates = new(StringComparer.OrdinalIgnoreCase)
    {
        EnqueuedState.StateName, ScheduledState.StateName, ProcessingState.StateName, AwaitingState.StateName,
    };

    /// <summary>
    /// Whether the run's Hangfire job will still run it: enqueued, scheduled, retrying or processing. A queued run
    /// without one was lost (a crash between our row and the enqueue) and is queued again.
    /// </summary>
    public bool HasPendingJob(JobRun run)
    {
        if (run.BackgroundJobId is not { } id)
        {
            return false;
        }
        using var connection = storage.GetConnection();
        var state = connection.GetStateData(id)?.Name;
        return state is not null && PendingStates.Contains(state);
    }
}
