using System.Text.Json;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Strategies;
using LabelLoop.Data.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

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
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var efTransaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var transaction = (NpgsqlTransaction)efTransaction.GetDbTransaction();
        var now = time.GetUtcNow().UtcDateTime;

        // The run row lock orders this against a concurrent cancel: whichever commits first wins.
        await using (var check = new NpgsqlCommand(
            """SELECT "Status" = @running AND "Node" = @node FROM "JobRuns" WHERE "Id" = @id FOR UPDATE""", connection, transaction))
        {
            check.Parameters.AddWithValue("id", jobRunId);
            check.Parameters.AddWithValue("running", nameof(JobStatus.Running));
            check.Parameters.AddWithValue("node", node);
            if (await check.ExecuteScalarAsync(cancellationToken) is not true)
            {
                return null;
            }
        }

        // Not the project row: annotations update its counters, and labeling must never wait for a job.
        await using (var versionLock = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@ns, @project)", connection, transaction))
        {
            versionLock.Parameters.AddWithValue("ns", VersionLockNamespace);
            versionLock.Parameters.AddWithValue("project", draft.ProjectId);
            await versionLock.ExecuteNonQueryAsync(cancellationToken);
        }

        int versionId, version;
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO "ModelVersions" ("ProjectId", "Version", "ArtifactPath", "Strategy", "LabelCount", "MetricsJson", "IsActive", "CreatedUtc")
            SELECT @project, COALESCE(MAX("Version"), 0) + 1, @artifact, @strategy, @labels, @metrics, FALSE, @now
            FROM "ModelVersions" WHERE "ProjectId" = @project
            RETURNING "Id", "Version"
            """, connection, transaction))
        {
            insert.Parameters.AddWithValue("project", draft.ProjectId);
            insert.Parameters.AddWithValue("artifact", draft.ArtifactPath);
            insert.Parameters.AddWithValue("strategy", draft.Strategy);
            insert.Parameters.AddWithValue("labels", draft.LabelCount);
            insert.Parameters.AddWithValue("metrics", draft.MetricsJson);
            insert.Parameters.AddWithValue("now", now);
            await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            versionId = reader.GetInt32(0);
            version = reader.GetInt32(1);
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
            """COPY "Predictions" ("ItemId", "ModelVersionId", "Label", "Probabilities", "Score", "Rank", "ReasonJson") FROM STDIN (FORMAT BINARY)""",
            cancellationToken))
        {
            foreach (var row in rows)
            {
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(row.ItemId, NpgsqlDbType.Bigint, cancellationToken);
                await copy.WriteAsync(versionId, NpgsqlDbType.Integer, cancellationToken);
                await copy.WriteAsync(row.Label, NpgsqlDbType.Varchar, cancellationToken);
                await copy.WriteAsync(row.Probabilities, NpgsqlDbType.Array | NpgsqlDbType.Real, cancellationToken);
                await copy.WriteAsync(double.IsFinite(row.Score) ? row.Score : 0.0, NpgsqlDbType.Double, cancellationToken);
                if (row.Rank is { } rank)
                {
                    await copy.WriteAsync(rank, NpgsqlDbType.Integer, cancellationToken);
                }
                else
                {
                    await copy.WriteNullAsync(cancellationToken);
                }
                await copy.WriteAsync(row.ReasonJson, NpgsqlDbType.Text, cancellationToken);
            }
            await copy.CompleteAsync(cancellationToken);
        }

        // Old off first, new on second: the partial unique index allows one active version per project.
        await using (var swap = new NpgsqlCommand(
            """
            UPDATE "ModelVersions" SET "IsActive" = FALSE WHERE "ProjectId" = @project AND "IsActive";
            UPDATE "ModelVersions" SET "IsActive" = TRUE WHERE "Id" = @version;
            UPDATE "JobRuns" SET "Status" = 'Succeeded', "Progress" = 100, "FinishedUtc" = @now, "Message" = @message, "Error" = NULL
            WHERE "Id" = @run;
            """, connection, transaction))
        {
            swap.Parameters.AddWithValue("project", draft.ProjectId);
            swap.Parameters.AddWithValue("version", versionId);
            swap.Parameters.AddWithValue("now", now);
            swap.Parameters.AddWithValue("message", message.Length > 500 ? message[..500] : message);
            swap.Parameters.AddWithValue("run", jobRunId);
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
