using System.Text.Json;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Strategies;
using LabelLoop.Data.Webhooks;
using Microsoft.EntityFrameworkCore;
using LabelLoop.Data.Providers;

namespace LabelLoop.Data.Models;

/// <summary>
/// Publishes model versions: the version row, its predictions and the switch of the project's ranking to it,
/// in one transaction with the job run's success. Annotators keep the previous ranking until the commit, and a
/// failure or a cancel leaves no trace.
/// </summary>
public sealed class ModelVersionService(IDbContextFactory<LabelLoopDbContext> contextFactory, TimeProvider time)
{
    // Advisory lock namespace for "next version number of project N" (the second key is the project id).
    private const int VersionLockNamespace = 0x4C4C_4D56;

    /// <summary>
    /// Writes the version and its predictions (binary COPY), makes it the project's active version, and marks
    /// <paramref name="jobRunId"/> Succeeded. Returns null, having written nothing, when the run is no longer
    /// Running on <paramref name="node"/> (cancelled meanwhile, or taken over by another node).
    /// </summary>
    public async Task<PublishedVersion?> PublishAsync(
        long jobRunId, string node, ModelVersionDraft draft, IReadOnlyList<PredictionRow> rows, string message, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        var dialect = DatabaseDialect.Of(db);
        await using var efTransaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;

        // The run row lock orders this against a concurrent cancel: whichever commits first wins.
        await using (var check = DatabaseDialect.Command(db.Database,
            $"""SELECT "Status" = @running AND "Node" = @node FROM "JobRuns" WHERE "Id" = @id{dialect.ForUpdate}""",
            ("id", jobRunId), ("running", nameof(JobStatus.Running)), ("node", node)))
        {
            if (!DatabaseDialect.IsTrue(await check.ExecuteScalarAsync(cancellationToken)))
            {
                return null;
            }
        }

        // Not the project row: annotations update its counters, and labeling must never wait for a job.
        await dialect.LockVersionsAsync(db.Database, VersionLockNamespace, draft.ProjectId, cancellationToken);

        int versionId, version;
        await using (var insert = DatabaseDialect.Command(db.Database,
            """
            INSERT INTO "ModelVersions" ("ProjectId", "Version", "ArtifactPath", "Strategy", "LabelCount", "MetricsJson", "IsActive", "CreatedUtc")
            SELECT @project, COALESCE(MAX("Version"), 0) + 1, @artifact, @strategy, @labels, @metrics, FALSE, @now
            FROM "ModelVersions" WHERE "ProjectId" = @project
            RETURNING "Id", "Version"
            """,
            ("project", draft.ProjectId), ("artifact", draft.ArtifactPath), ("strategy", draft.Strategy), ("labels", draft.LabelCount),
            ("metrics", draft.MetricsJson), ("now", now)))
        {
            await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            versionId = reader.GetInt32(0);
            version = reader.GetInt32(1);
        }

        await dialect.BulkInsertAsync(db.Database, "\"Predictions\"",
            ["ItemId", "ModelVersionId", "Label", "Probabilities", "Score", "Rank", "ReasonJson"],
            rows.Select(row => new object?[]
            {
                row.ItemId, versionId, row.Label, row.Probabilities, double.IsFinite(row.Score) ? row.Score : 0.0, row.Rank, row.ReasonJson,
            }), cancellationToken);

        // Old off first, new on second: the partial unique index allows one active version per project.
        await using (var swap = DatabaseDialect.Command(db.Database,
            """
            UPDATE "ModelVersions" SET "IsActive" = FALSE WHERE "ProjectId" = @project AND "IsActive";
            UPDATE "ModelVersions" SET "IsActive" = TRUE WHERE "Id" = @version;
            UPDATE "JobRuns" SET "Status" = 'Succeeded', "Progress" = 100, "FinishedUtc" = @now, "Message" = @message, "Error" = NULL
            WHERE "Id" = @run;
            """,
            ("project", draft.ProjectId), ("version", versionId), ("now", now), ("message", message.Length > 500 ? message[..500] : message),
            ("run", jobRunId)))
        {
            await swap.ExecuteNonQueryAsync(cancellationToken);
        }
        await WebhookOutbox.ModelTrainedAsync(db, draft.ProjectId, versionId, version, jobRunId, draft.Strategy, draft.LabelCount, draft.MetricsJson,
            rows.Count, now, cancellationToken);
        await efTransaction.CommitAsync(cancellationToken);
        return new PublishedVersion(versionId, version, rows.Count);
    }

    /// <summary>
    /// The stopping signal over the project's model versions (their <c>stopSetAgreement</c> and
    /// <c>auditAccuracy</c> metrics), oldest first: whether more labels still pay.
    /// </summary>
    public async Task<StoppingDecision> GetStoppingSignalAsync(int projectId, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var versions = await db.ModelVersions.AsNoTracking().Where(v => v.ProjectId == projectId)
            .OrderBy(v => v.Version).Select(v => new { v.Version, v.MetricsJson }).ToListAsync(cancellationToken);
        return StoppingSignal.Evaluate(versions.Select(v => ReadSignal(v.Version, v.MetricsJson)).ToList());
    }

    internal static VersionSignal ReadSignal(int version, string metricsJson)
    {
        try
        {
            using var doc = JsonDocument.Parse(metricsJson);
            return new VersionSignal(version, Number(doc.RootElement, "stopSetAgreement"), Number(doc.RootElement, "auditAccuracy"));
        }
        catch (JsonException)
        {
            return new VersionSignal(version, null, null);
        }

        static double? Number(JsonElement root, string name) =>
            root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
    }
}
