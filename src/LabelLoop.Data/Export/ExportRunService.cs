using System.Globalization;
using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Export;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Webhooks;
using LabelLoop.Data.Projects;
using LabelLoop.Data.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using LabelLoop.Data.Providers;

namespace LabelLoop.Data.Export;

/// <summary>
/// Export runs: the rows behind <c>POST /api/v1/projects/{id}/exports</c>. Each export is an <see cref="ExportRun"/>
/// plus a <see cref="JobRun"/> (kind Export) that carries its status, progress and error; the file lives under
/// <c>DATA/exports/</c> and is served only once the run succeeded. Every method that takes a <see cref="Caller"/>
/// lets only admins and the project's reviewers through (<see cref="ExportProjection"/>).
/// </summary>
public sealed class ExportRunService(
    IDbContextFactory<LabelLoopDbContext> contextFactory,
    ProjectService projects,
    IOptions<LabelLoopStorageOptions> storage,
    TimeProvider time)
{
    /// <summary>An export run and the job run that will write it.</summary>
    public sealed record CreatedExport(ExportView View, JobRun Run);

    /// <summary>A finished export's file on disk.</summary>
    public sealed record ExportFile(string Path, string DownloadName, string ContentType, string Sha256, long Size);

    public string ExportsDir => storage.Value.ExportsDir;

    /// <summary>Records an export of <paramref name="projectId"/> and its queued job run, in one transaction.</summary>
    public async Task<CreatedExport> CreateAsync(Caller caller, int projectId, string format, ExportFilter filter, CancellationToken cancellationToken = default)
    {
        await ExportAccess.EnsureAsync(projects, caller, projectId, cancellationToken);
        if (!ExportWriters.IsKnown(format))
        {
            throw new DomainValidationException("format", $"One of: {string.Join(", ", ExportWriters.Formats)}.");
        }
        filter = filter.Validated();
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        if (format == ExportWriters.Zip && await db.Projects.AnyAsync(p => p.Id == projectId && p.Kind != Core.Projects.ProjectKind.Image, cancellationToken))
        {
            throw new DomainValidationException("format", "The zip format holds images; export a text project as jsonl or csv.");
        }
        var now = time.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var run = new JobRun
        {
            ProjectId = projectId,
            Kind = JobKind.Export,
            Status = JobStatus.Queued,
            Message = $"Queued: {format} export",
            RequestedByUserId = caller.UserId,
            CreatedUtc = now,
        };
        db.JobRuns.Add(run);
        await db.SaveChangesAsync(cancellationToken);
        var export = new ExportRun
        {
            ProjectId = projectId,
            JobRunId = run.Id,
            Format = format,
            LabeledOnly = filter.LabeledOnly,
            FinalLabel = filter.FinalLabel,
            SinceUtc = filter.SinceUtc,
            UntilUtc = filter.UntilUtc,
            RequestedByUserId = caller.UserId,
            CreatedUtc = now,
        };
        db.ExportRuns.Add(export);
        await db.SaveChangesAsync(cancellationToken);
        // Job data carries ids only: the run knows its export, the export its filters.
        run.ParametersJson = string.Create(CultureInfo.InvariantCulture, $$"""{"projectId":{{projectId}},"exportId":{{export.Id}}}""");
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new CreatedExport(ToView(export, run), run);
    }

    /// <summary>One export of the project, with its job's state: for admins, and for the reviewer who started it.</summary>
    public async Task<ExportView> GetAsync(Caller caller, int projectId, long exportId, CancellationToken cancellationToken = default)
    {
        var projection = await ExportAccess.EnsureAsync(projects, caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var row = await Join(db, db.ExportRuns.Where(e => e.Id == exportId && e.ProjectId == projectId)).SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException($"Export {exportId} does not exist in project {projectId}.");
        projection.EnsureMayReadExportOf(row.Export.RequestedByUserId, caller.UserId);
        return ToView(row.Export, row.Run);
    }

    /// <summary>
    /// The project's exports the caller may see (admins: all; reviewers: their own), newest first: up to
    /// <paramref name="take"/> with ids below <paramref name="before"/>.
    /// </summary>
    public async Task<IReadOnlyList<ExportView>> ListAsync(Caller caller, int projectId, long? before, int take, CancellationToken cancellationToken = default)
    {
        var projection = await ExportAccess.EnsureAsync(projects, caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var exports = db.ExportRuns.Where(e => e.ProjectId == projectId);
        if (!projection.OthersExports)
        {
            exports = exports.Where(e => e.RequestedByUserId == caller.UserId);
        }
        if (before is { } b)
        {
            exports = exports.Where(e => e.Id < b);
        }
        var rows = await Join(db, exports.OrderByDescending(e => e.Id).Take(take)).ToListAsync(cancellationToken);
        rows.Sort((x, y) => y.Export.Id.CompareTo(x.Export.Id));
        return rows.Select(r => ToView(r.Export, r.Run)).ToList();
    }

    /// <summary>The file of a succeeded export, with its view; the file is null while the export is not done (or it vanished).</summary>
    public async Task<(ExportView View, ExportFile? File)> GetFileAsync(Caller caller, int projectId, long exportId, CancellationToken cancellationToken = default)
    {
        var view = await GetAsync(caller, projectId, exportId, cancellationToken);
        if (view.Status != StatusName(JobStatus.Succeeded))
        {
            return (view, null);
        }
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var export = await db.ExportRuns.AsNoTracking().SingleAsync(e => e.Id == exportId, cancellationToken);
        var path = PathOf(export.FileName!);
        if (!File.Exists(path))
        {
            return (view, null);
        }
        var projectName = await db.Projects.Where(p => p.Id == projectId).Select(p => p.Name).SingleAsync(cancellationToken);
        var downloadName = $"{ZipEntryNames.Sanitize(projectName)}-export-{export.Id}{ExportWriters.Extension(export.Format)}";
        return (view, new ExportFile(path, downloadName, ExportWriters.ContentType(export.Format), export.Sha256!, export.SizeBytes ?? 0));
    }

    /// <summary>
    /// Removes an export and its file; a queued or running one is cancelled first (its job stops and discards what it
    /// wrote). The requester or an admin may delete. Returns the job run id (to drop its trigger).
    /// </summary>
    public async Task<long> DeleteAsync(Caller caller, int projectId, long exportId, CancellationToken cancellationToken = default)
    {
        var projection = await ExportAccess.EnsureAsync(projects, caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var export = await db.ExportRuns.AsNoTracking().SingleOrDefaultAsync(e => e.Id == exportId && e.ProjectId == projectId, cancellationToken)
            ?? throw new NotFoundException($"Export {exportId} does not exist in project {projectId}.");
        projection.EnsureMayReadExportOf(export.RequestedByUserId, caller.UserId);
        var now = time.GetUtcNow().UtcDateTime;
        await db.JobRuns.Where(j => j.Id == export.JobRunId && (j.Status == JobStatus.Queued || j.Status == JobStatus.Running))
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, JobStatus.Cancelled)
                .SetProperty(j => j.FinishedUtc, now)
                .SetProperty(j => j.Message, "Cancelled: the export was deleted"), cancellationToken);
        await db.ExportRuns.Where(e => e.Id == exportId).ExecuteDeleteAsync(cancellationToken);
        var path = PathOf(FileNameFor(export));
        if (File.Exists(path))
        {
            File.Delete(path);
        }
        return export.JobRunId;
    }

    /// <summary>The export a job run writes; null when it was deleted.</summary>
    public async Task<ExportRun?> FindByJobRunAsync(long jobRunId, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.ExportRuns.AsNoTracking().SingleOrDefaultAsync(e => e.JobRunId == jobRunId, cancellationToken);
    }

    /// <summary>
    /// Who an export job writes for: the member who started it, with the roles the account has now (an export started
    /// by an admin who has since become a reviewer is written as a reviewer's). Null when the account is gone or
    /// disabled. An export without a requester was started by the instance itself.
    /// </summary>
    public async Task<Caller?> RequesterAsync(ExportRun export, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(export);
        if (export.RequestedByUserId is not { } userId || userId == Caller.System.UserId)
        {
            return Caller.System;
        }
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.Where(u => u.Id == userId).Select(u => new { u.IsDisabled }).SingleOrDefaultAsync(cancellationToken);
        if (user is null || user.IsDisabled)
        {
            return null;
        }
        var roles = await db.UserRoles.Where(r => r.UserId == userId)
            .Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name).ToListAsync(cancellationToken);
        return new Caller(userId, roles.Contains(Roles.Admin), roles.Contains(Roles.Reviewer));
    }

    /// <summary>Where an export's finished file lives, relative to the exports folder.</summary>
    public static string FileNameFor(ExportRun export) =>
        string.Create(CultureInfo.InvariantCulture, $"project-{export.ProjectId}/export-{export.Id}{ExportWriters.Extension(export.Format)}");

    public string PathOf(string fileName) => Path.Combine(ExportsDir, fileName);

    /// <summary>
    /// Records a written file and marks the job run Succeeded, with the <c>export.completed</c> webhook deliveries,
    /// in one transaction. False, having changed nothing, when the run is no longer Running on <paramref name="node"/>
    /// or the export was deleted: the caller then removes the file.
    /// </summary>
    public async Task<bool> CompleteAsync(long jobRunId, string node, ExportRun export, ExportResult result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(export);
        ArgumentNullException.ThrowIfNull(result);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        // The run row lock orders this against a concurrent cancel or delete: whichever commits first wins.
        await using (var check = DatabaseDialect.Command(db.Database,
            $"""SELECT "Status" = 'Running' AND "Node" = @node FROM "JobRuns" WHERE "Id" = @id{DatabaseDialect.Of(db).ForUpdate}""",
            ("id", jobRunId), ("node", node)))
        {
            if (!DatabaseDialect.IsTrue(await check.ExecuteScalarAsync(cancellationToken)))
            {
                return false;
            }
        }
        var fileName = FileNameFor(export);
        var updated = await db.ExportRuns.Where(e => e.Id == export.Id)
            .ExecuteUpdateAsync(s => s
                .SetProperty(e => e.FileName, fileName)
                .SetProperty(e => e.ItemCount, result.Items)
                .SetProperty(e => e.SizeBytes, result.Bytes)
                .SetProperty(e => e.Sha256, result.Sha256)
                .SetProperty(e => e.CompletedUtc, now), cancellationToken);
        if (updated == 0)
        {
            return false;
        }
        var message = string.Create(CultureInfo.InvariantCulture, $"Exported {result.Items} item(s), {result.Bytes} bytes");
        await db.JobRuns.Where(j => j.Id == jobRunId)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, JobStatus.Succeeded)
                .SetProperty(j => j.Progress, 100)
                .SetProperty(j => j.FinishedUtc, now)
                .SetProperty(j => j.Message, message)
                .SetProperty(j => j.Error, (string?)null), cancellationToken);
        await WebhookOutbox.EnqueueAsync(db, export.ProjectId, WebhookEvents.ExportCompleted, new
        {
            exportId = export.Id,
            jobId = jobRunId,
            format = export.Format,
            itemCount = result.Items,
            sizeBytes = result.Bytes,
            sha256 = result.Sha256,
            fileUrl = FileUrl(export.ProjectId, export.Id),
        }, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public static string Location(int projectId, long exportId) =>
        string.Create(CultureInfo.InvariantCulture, $"/api/v1/projects/{projectId}/exports/{exportId}");

    public static string FileUrl(int projectId, long exportId) => Location(projectId, exportId) + "/file";

    /// <summary>The API's lower-case status names.</summary>
    public static string StatusName(JobStatus status) => status.ToString().ToLowerInvariant();

    private sealed record ExportWithRun(ExportRun Export, JobRun Run);

    private static IQueryable<ExportWithRun> Join(LabelLoopDbContext db, IQueryable<ExportRun> exports) =>
        exports.AsNoTracking().Join(db.JobRuns.AsNoTracking(), e => e.JobRunId, j => j.Id, (e, j) => new ExportWithRun(e, j));

    private static ExportView ToView(ExportRun export, JobRun run)
    {
        var done = run.Status == JobStatus.Succeeded && export.FileName is not null;
        return new ExportView(
            export.Id,
            export.ProjectId,
            run.Id,
            export.Format,
            new ExportFilterView(export.LabeledOnly, export.FinalLabel, Utc(export.SinceUtc), Utc(export.UntilUtc)),
            StatusName(run.Status),
            run.Progress,
            run.Message,
            run.Error,
            done ? export.ItemCount : null,
            done ? export.SizeBytes : null,
            done ? export.Sha256 : null,
            done ? FileUrl(export.ProjectId, export.Id) : null,
            Utc(export.CreatedUtc),
            Utc(run.StartedUtc),
            Utc(run.FinishedUtc));
    }

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    private static DateTime? Utc(DateTime? value) => value is { } v ? Utc(v) : null;
}
