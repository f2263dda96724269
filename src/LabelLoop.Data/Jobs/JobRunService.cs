using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Projects;
using LabelLoop.Data.Providers;
using Microsoft.EntityFrameworkCore;

namespace LabelLoop.Data.Jobs;

/// <summary>
/// Our rows for background jobs: the source of truth for status, progress, errors and which node ran a job (the
/// scheduler's own tables only say what fires when). State changes are conditional updates, so a cancel, a
/// crash recovery and a finishing job never overwrite each other's outcome.
/// </summary>
public sealed class JobRunService(IDbContextFactory<LabelLoopDbContext> contextFactory, ProjectService projects, TimeProvider time)
{
    public const int MaxMessageLength = 500;

    /// <summary>A training was asked for: the queued run that will cover it, and whether it is new.</summary>
    public sealed record TrainingRequest(JobRun Run, bool Created);

    /// <summary>
    /// Debounced request for a train-and-score chain: at most one queued per project (a running one may exist
    /// beside it). A queued run trains on every label present when it starts, so a second request while one is
    /// queued returns that one. Marks the project's loop counters as covered either way.
    /// </summary>
    public Task<TrainingRequest> RequestTrainingAsync(int projectId, string? userId, string reason, CancellationToken cancellationToken = default) =>
        RequestAsync(projectId, JobKind.Train, userId, reason, (project, now) =>
        {
            project.LoopLabelCount = project.LabeledCount;
            project.LoopEnqueuedUtc = now;
        }, cancellationToken);

    /// <summary>
    /// Asks for a pretraining of the project's encoder, debounced like <see cref="RequestTrainingAsync"/>: at most
    /// one queued per project. Records the item count it covers, which the growth trigger compares against.
    /// </summary>
    public Task<TrainingRequest> RequestPretrainingAsync(int projectId, string? userId, string reason, CancellationToken cancellationToken = default) =>
        RequestAsync(projectId, JobKind.Pretrain, userId, reason, (project, _) => project.PretrainItemCount = project.ItemCount, cancellationToken);

    private async Task<TrainingRequest> RequestAsync(
        int projectId, JobKind kind, string? userId, string reason, Action<Project, DateTime> mark, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // The project row lock serialises requests from every node, so two can never both see "none queued".
        var project = await db.Projects.LockedById(db, "Projects", projectId)
            .SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException($"Project {projectId} does not exist.");
        var now = time.GetUtcNow().UtcDateTime;
        mark(project, now);
        var queued = await db.JobRuns
            .Where(j => j.ProjectId == projectId && j.Kind == kind && j.Status == JobStatus.Queued)
            .OrderBy(j => j.Id).FirstOrDefaultAsync(cancellationToken);
        var created = queued is null;
        if (queued is null)
        {
            queued = new JobRun
            {
                ProjectId = projectId,
                Kind = kind,
                Status = JobStatus.Queued,
                Message = Truncate($"Queued: {reason}"),
                ParametersJson = $$"""{"projectId":{{projectId}}}""",
                RequestedByUserId = userId,
                CreatedUtc = now,
            };
            db.JobRuns.Add(queued);
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new TrainingRequest(queued, created);
    }

    /// <summary>
    /// Queues a simulation of the project's loop on its items with ground truth. <paramref name="parametersJson"/>
    /// holds the simulation's settings (numbers and strategy names only).
    /// </summary>
    public async Task<JobRun> RequestSimulationAsync(int projectId, string? userId, string parametersJson, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        if (!await db.Projects.AnyAsync(p => p.Id == projectId, cancellationToken))
        {
            throw new NotFoundException($"Project {projectId} does not exist.");
        }
        var run = new JobRun
        {
            ProjectId = projectId,
            Kind = JobKind.Simulate,
            Status = JobStatus.Queued,
            Message = "Queued: simulation",
            ParametersJson = parametersJson,
            RequestedByUserId = userId,
            CreatedUtc = time.GetUtcNow().UtcDateTime,
        };
        db.JobRuns.Add(run);
        await db.SaveChangesAsync(cancellationToken);
        return run;
    }

    /// <summary>Records a queued import of an uploaded file (every upload is its own run; no debounce).</summary>
    public async Task<JobRun> QueueImportAsync(int projectId, string? userId, string parametersJson, string fileName, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var run = new JobRun
        {
            ProjectId = projectId,
            Kind = JobKind.Import,
            Status = JobStatus.Queued,
            Message = Truncate($"Queued: import of {fileName}"),
            ParametersJson = parametersJson,
            RequestedByUserId = userId,
            CreatedUtc = time.GetUtcNow().UtcDateTime,
        };
        db.JobRuns.Add(run);
        await db.SaveChangesAsync(cancellationToken);
        return run;
    }

    /// <summary>
    /// Projects that want a (new) encoder: pretraining on, a model that starts from one (images, or text on the
    /// neural model: the linear text model reads words, never an encoder), at least <paramref name="minItems"/>
    /// items, and either never pretrained or grown by <paramref name="growthPercent"/> since the last request.
    /// </summary>
    public async Task<IReadOnlyList<int>> ProjectsDueForPretrainingAsync(int minItems, int growthPercent, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var growth = Math.Max(1, growthPercent);
        var due = await db.Projects.AsNoTracking()
            .Where(p => p.PretrainEnabled && p.ItemCount >= minItems
                && (p.PretrainItemCount == 0 || (p.ItemCount - p.PretrainItemCount) * 100L >= (long)p.PretrainItemCount * growth))
            .Select(p => new { p.Id, p.Kind, p.TextModel })
            .ToListAsync(cancellationToken);
        return due.Where(p => Project.ModelsReadAnEncoder(p.Kind, p.TextModel)).Select(p => p.Id).ToList();
    }

    /// <summary>Projects whose loop settings call for a training now (label count, growth or schedule).</summary>
    public async Task<IReadOnlyList<int>> ProjectsDueForTrainingAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        // Cheap enough to run on every committed label: one pass over the projects table, no item rows touched.
        var candidates = await db.Projects.AsNoTracking()
            .Where(p => p.LabeledCount > p.LoopLabelCount)
            .Select(p => new { p.Id, p.LabeledCount, p.LoopLabelCount, p.RetrainEvery, p.RetrainGrowthPercent, p.RetrainIntervalMinutes, p.LoopEnqueuedUtc })
            .ToListAsync(cancellationToken);
        return candidates
            .Where(p => IsDue(p.LabeledCount, p.LoopLabelCount, p.RetrainEvery, p.RetrainGrowthPercent, p.RetrainIntervalMinutes, p.LoopEnqueuedUtc, now))
            .Select(p => p.Id).ToList();
    }

    /// <summary>The loop's rule, for a project that has <paramref name="labeled"/> labels now.</summary>
    public static bool IsDue(int labeled, int atLastTraining, int every, int growthPercent, int intervalMinutes, DateTime? lastEnqueuedUtc, DateTime now)
    {
        var added = labeled - atLastTraining;
        if (added <= 0)
        {
            return false;
        }
        if (every > 0 && added >= every)
        {
            return true;
        }
        if (growthPercent > 0 && atLastTraining > 0 && added * 100L >= (long)atLastTraining * growthPercent)
        {
            return true;
        }
        return intervalMinutes > 0 && (lastEnqueuedUtc is null || now - lastEnqueuedUtc.Value >= TimeSpan.FromMinutes(intervalMinutes));
    }

    /// <summary>How long a Running row's heartbeat may be silent before its node counts as dead (see <see cref="JobRun.HeartbeatUtc"/>).</summary>
    public static readonly TimeSpan DefaultHeartbeatTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Moves a run to Running on <paramref name="node"/>. A run Running on a node whose heartbeat stopped is taken
    /// over; one whose node is alive is left to it. Returns null when there is nothing to do here: the run is
    /// finished, cancelled, or alive on another node (a job fetched twice never runs twice).
    /// </summary>
    /// <exception cref="ProjectBusyException">Another run of the same kind is alive for the project (kinds other than
    /// exports run one at a time per project, across nodes): start this one later.</exception>
    public Task<JobRun?> StartAsync(long id, string node, CancellationToken cancellationToken = default) =>
        StartAsync(id, node, DefaultHeartbeatTimeout, cancellationToken);

    /// <inheritdoc cref="StartAsync(long, string, CancellationToken)"/>
    /// <param name="heartbeatTimeout">How long a Running row's node may be silent before it counts as dead.</param>
    public async Task<JobRun?> StartAsync(long id, string node, TimeSpan heartbeatTimeout, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var stale = now - heartbeatTimeout;
        var projectId = await db.JobRuns.AsNoTracking().Where(j => j.Id == id).Select(j => j.ProjectId).SingleOrDefaultAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // The project row lock serialises starts from every node: two runs of one project never both see "none running".
        if (projectId is { } locked)
        {
            await db.Projects.LockedById(db, "Projects", locked).Select(p => p.Id).ToListAsync(cancellationToken);
        }
        var run = await db.JobRuns.AsNoTracking().SingleOrDefaultAsync(j => j.Id == id, cancellationToken);
        if (run is null || run.Status is not (JobStatus.Queued or JobStatus.Running)
            || (run.Status == JobStatus.Running && run.HeartbeatUtc >= stale))
        {
            return null;
        }
        if (run.ProjectId is not null && run.Kind != JobKind.Export && await db.JobRuns.AnyAsync(j =>
                j.ProjectId == run.ProjectId && j.Kind == run.Kind && j.Id != id && j.Status == JobStatus.Running && j.HeartbeatUtc >= stale,
                cancellationToken))
        {
            throw new ProjectBusyException($"Project {run.ProjectId} is already running a {run.Kind.ToString().ToLowerInvariant()} job; job run {id} waits for it.");
        }
        var recovered = run.Status == JobStatus.Running ? run.Node : null;
        await db.JobRuns
            .Where(j => j.Id == id)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, JobStatus.Running)
                .SetProperty(j => j.Node, node)
                .SetProperty(j => j.StartedUtc, now)
                .SetProperty(j => j.HeartbeatUtc, now)
                .SetProperty(j => j.Progress, 0)
                .SetProperty(j => j.Error, (string?)null)
                .SetProperty(j => j.Message, recovered is null ? "Starting" : Truncate($"Restarted: {recovered} stopped while running it")),
                cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return await db.JobRuns.AsNoTracking().SingleAsync(j => j.Id == id, cancellationToken);
    }

    /// <summary>Back to Queued for a run whose node went silent before <paramref name="heartbeatBeforeUtc"/>; false when it has since been taken over or finished.</summary>
    public async Task<bool> RequeueAbandonedAsync(long id, DateTime heartbeatBeforeUtc, string message, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var text = Truncate(message);
        return await db.JobRuns
            .Where(j => j.Id == id && j.Status == JobStatus.Running && (j.HeartbeatUtc == null || j.HeartbeatUtc < heartbeatBeforeUtc))
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Queued).SetProperty(j => j.Message, text), cancellationToken) == 1;
    }

    /// <summary>A failed or cancelled run back to Queued, for a retry from Hangfire's dashboard; false when it is not failed or cancelled.</summary>
    public async Task<bool> ReopenAsync(long id, string message, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var text = Truncate(message);
        return await db.JobRuns.Where(j => j.Id == id && (j.Status == JobStatus.Failed || j.Status == JobStatus.Cancelled))
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, JobStatus.Queued)
                .SetProperty(j => j.FinishedUtc, (DateTime?)null)
                .SetProperty(j => j.Message, text), cancellationToken) == 1;
    }

    /// <summary>Records which Hangfire job runs the run (the latest one, when it was queued again).</summary>
    public async Task SetBackgroundJobAsync(long id, string backgroundJobId, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await db.JobRuns.Where(j => j.Id == id).ExecuteUpdateAsync(s => s.SetProperty(j => j.BackgroundJobId, backgroundJobId), cancellationToken);
    }

    /// <summary>Running runs whose node has been silent since before <paramref name="heartbeatBeforeUtc"/>: their node died.</summary>
    public async Task<IReadOnlyList<JobRun>> ListAbandonedAsync(DateTime heartbeatBeforeUtc, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.JobRuns.AsNoTracking()
            .Where(j => j.Status == JobStatus.Running && (j.HeartbeatUtc == null || j.HeartbeatUtc < heartbeatBeforeUtc))
            .OrderBy(j => j.Id).Take(100).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Records progress of a run <paramref name="node"/> is running; false when the run is no longer Running on
    /// that node (cancelled, or taken over by another node after this one was declared dead).
    /// </summary>
    public async Task<bool> ReportProgressAsync(long id, string node, int progress, string message, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var clamped = Math.Clamp(progress, 0, 100);
        var text = Truncate(message);
        var now = time.GetUtcNow().UtcDateTime;
        return await db.JobRuns.Where(j => j.Id == id && j.Status == JobStatus.Running && j.Node == node)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Progress, clamped).SetProperty(j => j.Message, text).SetProperty(j => j.HeartbeatUtc, now),
                cancellationToken) == 1;
    }

    /// <summary>Whether the run is still Running on <paramref name="node"/> (polled by the running job to notice a cancel).</summary>
    public async Task<bool> IsRunningOnAsync(long id, string node, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.JobRuns.AnyAsync(j => j.Id == id && j.Status == JobStatus.Running && j.Node == node, cancellationToken);
    }

    /// <summary>
    /// The running node's heartbeat: records that <paramref name="node"/> is alive and still running the run; false
    /// when it no longer is (cancelled, or taken over after this node was declared dead).
    /// </summary>
    public async Task<bool> BeatAsync(long id, string node, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        return await db.JobRuns.Where(j => j.Id == id && j.Status == JobStatus.Running && j.Node == node)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.HeartbeatUtc, now), cancellationToken) == 1;
    }

    /// <summary>Whether someone cancelled the run.</summary>
    public async Task<bool> IsCancelledAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.JobRuns.AnyAsync(j => j.Id == id && j.Status == JobStatus.Cancelled, cancellationToken);
    }

    /// <summary>Marks a queued or running run Succeeded (runs that publish results do this inside their own transaction instead).</summary>
    public async Task<bool> SucceedAsync(long id, string message, CancellationToken cancellationToken = default) =>
        await FinishAsync(id, JobStatus.Succeeded, message, null, cancellationToken);

    /// <summary>Marks a queued or running run Failed with the error shown as is.</summary>
    public async Task<bool> FailAsync(long id, string error, CancellationToken cancellationToken = default) =>
        await FinishAsync(id, JobStatus.Failed, "Failed", error, cancellationToken);

    /// <summary>Back to Queued before a retry: the error so far goes into the message.</summary>
    public async Task<bool> RequeueAsync(long id, string message, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var text = Truncate(message);
        return await db.JobRuns.Where(j => j.Id == id && j.Status == JobStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Queued).SetProperty(j => j.Message, text), cancellationToken) == 1;
    }

    /// <summary>
    /// Cancels a queued or running run (admins only). A running job notices within about a second and stops;
    /// whatever it was about to publish is discarded. Returns the run as it is now.
    /// </summary>
    public async Task<JobRunView> CancelAsync(Caller caller, long id, CancellationToken cancellationToken = default)
    {
        if (!caller.IsAdmin)
        {
            throw new AccessDeniedException("Only admins can cancel jobs.");
        }
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        await db.JobRuns.Where(j => j.Id == id && (j.Status == JobStatus.Queued || j.Status == JobStatus.Running))
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, JobStatus.Cancelled)
                .SetProperty(j => j.FinishedUtc, now)
                .SetProperty(j => j.Message, "Cancelled"), cancellationToken);
        var run = await db.JobRuns.AsNoTracking().SingleOrDefaultAsync(j => j.Id == id, cancellationToken)
            ?? throw new NotFoundException($"Job {id} does not exist.");
        return JobRunView.From(run);
    }

    /// <summary>A project's most recent runs, newest first.</summary>
    public async Task<IReadOnlyList<JobRunView>> ListAsync(Caller caller, int projectId, int limit = 20, CancellationToken cancellationToken = default)
    {
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var runs = await db.JobRuns.AsNoTracking().Where(j => j.ProjectId == projectId)
            .OrderByDescending(j => j.Id).Take(Math.Clamp(limit, 1, 200)).ToListAsync(cancellationToken);
        return runs.Select(JobRunView.From).ToList();
    }

    /// <summary>A project's runs, newest first, with an id below <paramref name="beforeId"/>: stable pages for the API.</summary>
    public async Task<IReadOnlyList<JobRunView>> ListPageAsync(
        Caller caller, int projectId, long? beforeId, int take, CancellationToken cancellationToken = default)
    {
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var query = db.JobRuns.AsNoTracking().Where(j => j.ProjectId == projectId);
        if (beforeId is { } before)
        {
            query = query.Where(j => j.Id < before);
        }
        var runs = await query.OrderByDescending(j => j.Id).Take(take).ToListAsync(cancellationToken);
        return [.. runs.Select(JobRunView.From)];
    }

    /// <summary>One run, if the caller may see its project.</summary>
    public async Task<JobRunView> GetAsync(Caller caller, long id, CancellationToken cancellationToken = default)
    {
        var run = await FindAsync(id, cancellationToken) ?? throw new NotFoundException($"Job {id} does not exist.");
        if (run.ProjectId is { } projectId)
        {
            await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        }
        else if (!caller.IsAdmin)
        {
            throw new NotFoundException($"Job {id} does not exist.");
        }
        return JobRunView.From(run);
    }

    public async Task<JobRun?> FindAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.JobRuns.AsNoTracking().SingleOrDefaultAsync(j => j.Id == id, cancellationToken);
    }

    /// <summary>Every run still Queued or Running, oldest first (what a restarted single node must queue again).</summary>
    public async Task<IReadOnlyList<JobRun>> ListUnfinishedAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.JobRuns.AsNoTracking().Where(j => j.Status == JobStatus.Queued || j.Status == JobStatus.Running)
            .OrderBy(j => j.Id).ToListAsync(cancellationToken);
    }

    /// <summary>Queued runs created before <paramref name="olderThanUtc"/> (to re-submit ones the scheduler lost).</summary>
    public async Task<IReadOnlyList<JobRun>> ListQueuedAsync(DateTime olderThanUtc, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.JobRuns.AsNoTracking().Where(j => j.Status == JobStatus.Queued && j.CreatedUtc < olderThanUtc)
            .OrderBy(j => j.Id).Take(100).ToListAsync(cancellationToken);
    }

    private async Task<bool> FinishAsync(long id, JobStatus status, string message, string? error, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var text = Truncate(message);
        var stored = error is null ? null : TextInput.Storable(error);
        return await db.JobRuns.Where(j => j.Id == id && (j.Status == JobStatus.Queued || j.Status == JobStatus.Running))
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, status)
                .SetProperty(j => j.FinishedUtc, now)
                .SetProperty(j => j.Progress, j => status == JobStatus.Succeeded ? 100 : j.Progress)
                .SetProperty(j => j.Message, text)
                .SetProperty(j => j.Error, stored), cancellationToken) == 1;
    }

    /// <summary>A message fit to store: at most <see cref="MaxMessageLength"/> characters, NULs written out (messages quote file names and exceptions).</summary>
    internal static string Truncate(string message)
    {
        message = TextInput.Storable(message);
        return message.Length <= MaxMessageLength ? message : message[..(MaxMessageLength - 1)] + "…";
    }
}
