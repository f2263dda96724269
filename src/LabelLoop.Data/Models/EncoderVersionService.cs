using System.Text.Json;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Models;
using LabelLoop.Data.Jobs;
using LabelLoop.Data.Projects;
using LabelLoop.Data.Providers;
using Microsoft.EntityFrameworkCore;

namespace LabelLoop.Data.Models;

/// <summary>An encoder version as lists show it, with its quality report.</summary>
public sealed record EncoderVersionView(int Id, int Version, int ItemCount, bool IsActive, DateTime CreatedUtc, JsonElement Metrics);

/// <summary>
/// The project's pretrained encoders: publishing a new one (and making it the one models start from) and
/// reading them back for training, the dashboard and the API.
/// </summary>
public sealed class EncoderVersionService(IDbContextFactory<LabelLoopDbContext> contextFactory, ProjectService projects, TimeProvider time)
{
    private const int VersionLockNamespace = 0x4C4C_4556;

    /// <summary>
    /// Stores a new encoder version and makes it the project's active one, in one transaction, provided job run
    /// <paramref name="jobRunId"/> is still running on <paramref name="node"/> (a cancel that committed first wins).
    /// </summary>
    /// <param name="coldStartOrder">
    /// Items in the order annotators should get them while the project has no model (the encoder's most typical
    /// items; <see cref="Core.Items.Item.ColdStartRank"/>). It replaces the project's previous order, and is written
    /// only while no model version is active: once one is, its ranking serves.
    /// </param>
    /// <returns>The new version, or null when the run was no longer ours to publish.</returns>
    public async Task<EncoderVersion?> PublishAsync(
        long jobRunId, string node, int projectId, string artifactPath, int itemCount, string metricsJson, string message,
        IReadOnlyList<long>? coldStartOrder = null, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var running = await db.JobRuns
            .LockedById(db, "JobRuns", jobRunId)
            .AnyAsync(j => j.Status == JobStatus.Running && j.Node == node, cancellationToken);
        if (!running)
        {
            return null;
        }
        await DatabaseDialect.Of(db).LockVersionsAsync(db.Database, VersionLockNamespace, projectId, cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var next = 1 + (await db.EncoderVersions.Where(e => e.ProjectId == projectId).MaxAsync(e => (int?)e.Version, cancellationToken) ?? 0);
        // Old off first, new on second: the partial unique index allows one active encoder per project.
        await db.EncoderVersions.Where(e => e.ProjectId == projectId && e.IsActive)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.IsActive, false), cancellationToken);
        var encoder = new EncoderVersion
        {
            ProjectId = projectId,
            Version = next,
            ArtifactPath = artifactPath,
            ItemCount = itemCount,
            MetricsJson = metricsJson,
            IsActive = true,
            JobRunId = jobRunId,
            CreatedUtc = now,
        };
        db.EncoderVersions.Add(encoder);
        await db.SaveChangesAsync(cancellationToken);
        await db.Items.Where(i => i.ProjectId == projectId && i.ColdStartRank != null)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.ColdStartRank, (int?)null), cancellationToken);
        if (coldStartOrder is { Count: > 0 } && !await db.ModelVersions.AnyAsync(m => m.ProjectId == projectId && m.IsActive, cancellationToken))
        {
            // A few hundred items at most (the order is one round's worth of labels): a statement each.
            for (var r = 0; r < coldStartOrder.Count; r++)
            {
                var itemId = coldStartOrder[r];
                var rank = r + 1;
                await db.Items.Where(i => i.Id == itemId && i.ProjectId == projectId)
                    .ExecuteUpdateAsync(s => s.SetProperty(i => i.ColdStartRank, rank), cancellationToken);
            }
        }
        await db.JobRuns.Where(j => j.Id == jobRunId).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.Status, JobStatus.Succeeded)
            .SetProperty(j => j.Progress, 100)
            .SetProperty(j => j.Message, message.Length > JobRunService.MaxMessageLength ? message[..JobRunService.MaxMessageLength] : message)
            .SetProperty(j => j.FinishedUtc, now), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return encoder;
    }

    /// <summary>The encoder models of the project start from, or null when there is none.</summary>
    public async Task<EncoderVersion?> GetActiveAsync(int projectId, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.EncoderVersions.AsNoTracking().SingleOrDefaultAsync(e => e.ProjectId == projectId && e.IsActive, cancellationToken);
    }

    /// <summary>The project's encoder versions, newest first (keyset: ids below <paramref name="beforeId"/>), for members of the project.</summary>
    public async Task<IReadOnlyList<EncoderVersionView>> ListAsync(
        Caller caller, int projectId, long? beforeId, int take, CancellationToken cancellationToken = default)
    {
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.EncoderVersions.AsNoTracking()
            .Where(e => e.ProjectId == projectId && (beforeId == null || e.Id < beforeId))
            .OrderByDescending(e => e.Id)
            .Take(Math.Clamp(take, 1, 1000))
            .ToListAsync(cancellationToken);
        return [.. rows.Select(e => new EncoderVersionView(e.Id, e.Version, e.ItemCount, e.IsActive, e.CreatedUtc, Parse(e.MetricsJson)))];
    }

    private static JsonElement Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new InvalidOperationException("An encoder version holds metrics that are not JSON.");
        }
    }
}
