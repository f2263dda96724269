using System.Text.Json;
using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Items;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Projects;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using System.Security.Cryptography;
using Npgsql;

namespace LabelLoop.Data.Items;

/// <summary>
/// Serves items to annotators. An annotator first gets back the items already leased to them (so a retry or a
/// reload shows the same item); new leases take the best-ranked items that are not leased to or labeled by
/// enough others, under row locks (<c>FOR UPDATE SKIP LOCKED</c>), so two annotators never race for one item.
/// </summary>
public sealed class ItemLeaseService(IDbContextFactory<LabelLoopDbContext> contextFactory, ProjectService projects, TimeProvider time)
{
    private const int CandidateBatch = 8;

    /// <summary>Returns up to <paramref name="count"/> items leased to the caller: live leases first, then new ones.</summary>
    public async Task<IReadOnlyList<ServedItem>> NextAsync(Caller caller, int projectId, int count = 1, CancellationToken cancellationToken = default)
    {
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var project = await db.Projects.AsNoTracking().Where(p => p.Id == projectId)
            .Select(p => new { p.Overlap, p.LeaseMinutes, p.Kind, p.AuditPercent, p.LabeledCount }).SingleAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;

        var leased = await db.ItemLeases.AsNoTracking()
            .Where(l => l.ProjectId == projectId && l.UserId == caller.UserId && l.ExpiresUtc > now)
            .OrderBy(l => l.LeasedUtc).ThenBy(l => l.Id)
            .Select(l => l.ItemId)
            .Take(count)
            .ToListAsync(cancellationToken);
        if (leased.Count < count)
        {
            var audit = new AuditRoute(project.AuditPercent, project.LabeledCount + leased.Count);
            leased.AddRange(await LeaseNewAsync(db, projectId, caller.UserId, project.Overlap, project.LeaseMinutes, count - leased.Count, now, audit, cancellationToken));
        }
        return await DescribeAsync(db, projectId, project.Kind, caller.UserId, leased, cancellationToken);
    }

    /// <summary>Leases one specific item to the caller again (after an undo), whatever its rank.</summary>
    internal static async Task RenewAsync(LabelLoopDbContext db, int projectId, long itemId, string userId, DateTime now, int minutes, CancellationToken cancellationToken)
    {
        // Leased "in the past" so it sorts before the caller's other live leases and is shown next.
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO "ItemLeases" ("ProjectId", "ItemId", "UserId", "LeasedUtc", "ExpiresUtc")
            VALUES ({projectId}, {itemId}, {userId}, {now.AddDays(-1)}, {now.AddMinutes(minutes)})
            ON CONFLICT ("ItemId", "UserId") DO UPDATE SET "LeasedUtc" = EXCLUDED."LeasedUtc", "ExpiresUtc" = EXCLUDED."ExpiresUtc"
            """, cancellationToken);
    }

    private static async Task<List<long>> LeaseNewAsync(
        LabelLoopDbContext db, int projectId, string userId, int overlap, int leaseMinutes, int wanted, DateTime now, AuditRoute audit, CancellationToken cancellationToken)
    {
        var result = new List<long>();
        var activeVersion = await db.ModelVersions.Where(m => m.ProjectId == projectId && m.IsActive)
            .Select(m => (int?)m.Id).FirstOrDefaultAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // A lease lost in a crash only returns an item to the pool early, so its commit need not wait for the
        // disk; labels (AnnotationService) keep the durable default.
        await db.Database.ExecuteSqlRawAsync("SET LOCAL synchronous_commit = off", cancellationToken);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        for (var round = 0; round < 4 + wanted && result.Count < wanted; round++)
        {
            if (audit.IsTurn(result.Count))
            {
                // An audit pick: uniform over the open pool, whatever the ranking says, and leased without the
                // model's suggestion so the label does not lean on the model it will judge.
                var start = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
                var picks = await SelectCandidatesAsync(connection, transaction, AuditCandidatesSql, projectId, userId, now, overlap, result, 0, cancellationToken, start);
                if (picks.Count == 0)
                {
                    picks = await SelectCandidatesAsync(connection, transaction, AuditCandidatesSql, projectId, userId, now, overlap, result, 0, cancellationToken, "");
                }
                audit.Tried(result.Count);
                foreach (var (itemId, _) in picks)
                {
                    if (await ClaimAsync(connection, transaction, projectId, userId, now, leaseMinutes, overlap, itemId, null, cancellationToken))
                    {
                        await using var mark = new NpgsqlCommand("""UPDATE "Items" SET "IsAudit" = TRUE WHERE "Id" = @item""",
                            connection, (NpgsqlTransaction)transaction.GetDbTransaction());
                        mark.Parameters.AddWithValue("item", itemId);
                        await mark.ExecuteNonQueryAsync(cancellationToken);
                        result.Add(itemId);
                        break;
                    }
                }
                continue;
            }
            // Candidates by the active ranking first, then open items without a prediction in content-hash
            // order (stable and pseudo-random), each an index walk that stops at the limit; rows are locked so no
            // concurrent call can lease them meanwhile.
            var candidates = activeVersion is { } version
                ? await SelectCandidatesAsync(connection, transaction, RankedCandidatesSql, projectId, userId, now, overlap, result, version, cancellationToken)
                : [];
            if (candidates.Count < CandidateBatch)
            {
                // Items the ranking holds are excluded here: they were offered above (and are leased or locked).
                candidates.AddRange(await SelectCandidatesAsync(connection, transaction, PoolCandidatesSql, projectId, userId, now, overlap, result, activeVersion ?? 0, cancellationToken));
            }
            if (candidates.Count == 0)
            {
                break;
            }
            foreach (var (itemId, predictionId) in candidates)
            {
                if (result.Count == wanted)
                {
                    break;
                }
                if (result.Contains(itemId))
                {
                    continue;
                }
                if (audit.IsTurn(result.Count))
                {
                    break;
                }
                if (await ClaimAsync(connection, transaction, projectId, userId, now, leaseMinutes, overlap, itemId, predictionId, cancellationToken))
                {
                    result.Add(itemId);
                }
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    private static async Task<bool> ClaimAsync(
        NpgsqlConnection connection, IDbContextTransaction transaction, int projectId, string userId, DateTime now, int leaseMinutes, int overlap,
        long itemId, long? predictionId, CancellationToken cancellationToken)
    {
        // Re-count under the row lock with a fresh statement: the candidate query's snapshot may predate
        // a lease another annotator committed just before we locked the row.
        await using var claim = new NpgsqlCommand(
            """
            INSERT INTO "ItemLeases" ("ProjectId", "ItemId", "UserId", "LeasedUtc", "ExpiresUtc", "PredictionId")
            SELECT @project, i."Id", @user, @now, @expires, @prediction
            FROM "Items" i
            WHERE i."Id" = @item AND i."Status" = 'Unlabeled'
              AND i."AnnotationCount" + (SELECT count(*) FROM "ItemLeases" l WHERE l."ItemId" = i."Id" AND l."ExpiresUtc" > @now AND l."UserId" <> @user) < @overlap
            ON CONFLICT ("ItemId", "UserId") DO UPDATE
              SET "LeasedUtc" = EXCLUDED."LeasedUtc", "ExpiresUtc" = EXCLUDED."ExpiresUtc", "PredictionId" = EXCLUDED."PredictionId"
            """, connection, (NpgsqlTransaction)transaction.GetDbTransaction());
        claim.Parameters.AddWithValue("project", projectId);
        claim.Parameters.AddWithValue("user", userId);
        claim.Parameters.AddWithValue("now", now);
        claim.Parameters.AddWithValue("expires", now.AddMinutes(leaseMinutes));
        claim.Parameters.AddWithValue("prediction", (object?)predictionId ?? DBNull.Value);
        claim.Parameters.AddWithValue("item", itemId);
        claim.Parameters.AddWithValue("overlap", overlap);
        return await claim.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Which served items are audit picks: <c>percent</c> of the serve positions, counted from the project's label
    /// count plus the caller's live leases, spread evenly. It depends on nothing about the items, so the picks stay
    /// a uniform sample of the pool.
    /// </summary>
    internal sealed class AuditRoute(int percent, int position)
    {
        private int _triedAt = -1;

        public bool IsTurn(int servedInThisCall) =>
            servedInThisCall != _triedAt && IsAuditPosition(position + servedInThisCall, percent);

        /// <summary>The audit turn at this count was taken or found nothing: serve by rank until the next one.</summary>
        public void Tried(int servedInThisCall) => _triedAt = servedInThisCall;
    }

    /// <summary>Whether serve position <paramref name="position"/> (0-based) is an audit pick at <paramref name="percent"/>%.</summary>
    public static bool IsAuditPosition(int position, int percent) =>
        percent > 0 && (percent >= 100 || ((long)(position + 1) * percent / 100) > ((long)position * percent / 100));

    private const string AuditCandidatesSql =
        $"""
        SELECT i."Id", NULL::bigint
        FROM "Items" i
        WHERE i."ProjectId" = @project AND i."ContentHash" >= @start
          AND {OpenForUser}
        ORDER BY i."ContentHash"
        LIMIT @limit
        FOR UPDATE OF i SKIP LOCKED
        """;

    // Shared conditions: not answered or leased by this annotator, fewer live leases and labels than the overlap.
    private const string OpenForUser =
        """
        i."Status" = 'Unlabeled'
          AND NOT (i."Id" = ANY(@taken))
          AND NOT EXISTS (SELECT 1 FROM "Annotations" a WHERE a."ItemId" = i."Id" AND a."UserId" = @user)
          AND NOT EXISTS (SELECT 1 FROM "ItemLeases" l WHERE l."ItemId" = i."Id" AND l."UserId" = @user AND l."ExpiresUtc" > @now)
          AND i."AnnotationCount" + (SELECT count(*) FROM "ItemLeases" l WHERE l."ItemId" = i."Id" AND l."ExpiresUtc" > @now) < @overlap
        """;

    private const string RankedCandidatesSql =
        $"""
        SELECT i."Id", p."Id"
        FROM "Predictions" p JOIN "Items" i ON i."Id" = p."ItemId"
        WHERE p."ModelVersionId" = @version AND p."Rank" IS NOT NULL AND i."ProjectId" = @project
          AND {OpenForUser}
        ORDER BY p."Rank"
        LIMIT @limit
        FOR UPDATE OF i SKIP LOCKED
        """;

    private const string PoolCandidatesSql =
        $"""
        SELECT i."Id", NULL::bigint
        FROM "Items" i
        WHERE i."ProjectId" = @project
          AND {OpenForUser}
          AND NOT EXISTS (SELECT 1 FROM "Predictions" p WHERE p."ItemId" = i."Id" AND p."ModelVersionId" = @version AND p."Rank" IS NOT NULL)
        ORDER BY i."ContentHash"
        LIMIT @limit
        FOR UPDATE OF i SKIP LOCKED
        """;

    private static async Task<List<(long ItemId, long? PredictionId)>> SelectCandidatesAsync(
        NpgsqlConnection connection, IDbContextTransaction transaction, string sql, int projectId, string userId, DateTime now, int overlap,
        List<long> taken, int version, CancellationToken cancellationToken, string? start = null)
    {
        var candidates = new List<(long, long?)>();
        await using var select = new NpgsqlCommand(sql, connection, (NpgsqlTransaction)transaction.GetDbTransaction());
        select.Parameters.AddWithValue("project", projectId);
        select.Parameters.AddWithValue("user", userId);
        select.Parameters.AddWithValue("now", now);
        select.Parameters.AddWithValue("overlap", overlap);
        select.Parameters.AddWithValue("taken", taken.ToArray());
        select.Parameters.AddWithValue("limit", CandidateBatch);
        select.Parameters.AddWithValue("version", version);
        if (start is not null)
        {
            select.Parameters.AddWithValue("start", start);
        }
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            candidates.Add((reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1)));
        }
        return candidates;
    }

    private static async Task<IReadOnlyList<ServedItem>> DescribeAsync(
        LabelLoopDbContext db, int projectId, ProjectKind kind, string userId, List<long> itemIds, CancellationToken cancellationToken)
    {
        if (itemIds.Count == 0)
        {
            return [];
        }
        var rows = await db.ItemLeases.AsNoTracking()
            .Where(l => l.UserId == userId && itemIds.Contains(l.ItemId))
            .Join(db.Items, l => l.ItemId, i => i.Id, (l, i) => new { i.Id, i.Text, l.ExpiresUtc, l.PredictionId })
            .ToListAsync(cancellationToken);
        var predictionIds = rows.Where(r => r.PredictionId is not null).Select(r => r.PredictionId!.Value).ToList();
        var predictions = await db.Predictions.AsNoTracking().Where(p => predictionIds.Contains(p.Id))
            .Select(p => new { p.Id, p.Label, p.Probabilities, p.Score, p.Rank, p.ReasonJson })
            .ToDictionaryAsync(p => p.Id, cancellationToken);
        var byId = rows.ToDictionary(r => r.Id);
        var served = new List<ServedItem>(itemIds.Count);
        foreach (var id in itemIds)
        {
            var row = byId[id];
            Suggestion? suggestion = null;
            SelectionReason? why = null;
            if (row.PredictionId is { } pid && predictions.TryGetValue(pid, out var p))
            {
                suggestion = new Suggestion(p.Label, p.Probabilities.Length == 0 ? 0 : p.Probabilities.Max(), p.Id);
                why = ParseReason(p.ReasonJson, p.Score, p.Rank);
            }
            var contentUrl = kind == ProjectKind.Image ? ContentUrl(projectId, id) : null;
            served.Add(new ServedItem(id, projectId, kind, row.Text, contentUrl, row.ExpiresUtc, suggestion, why));
        }
        return served;
    }

    /// <summary>Where an image item's bytes are served.</summary>
    public static string ContentUrl(int projectId, long itemId) => $"/api/v1/projects/{projectId}/items/{itemId}/content";

    /// <summary>Reads the reason a ranking job stored: <c>{"strategy":..., "top":[{"label":..,"p":..}], "votes":...}</c>.</summary>
    internal static SelectionReason? ParseReason(string json, double score, int? rank)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (!root.TryGetProperty("strategy", out var strategy))
            {
                return null;
            }
            var top = new List<LabelProbability>();
            if (root.TryGetProperty("top", out var topElement) && topElement.ValueKind == JsonValueKind.Array)
            {
                foreach (var t in topElement.EnumerateArray())
                {
                    top.Add(new LabelProbability(t.GetProperty("label").GetString() ?? "", t.GetProperty("p").GetSingle()));
                }
            }
            var votes = root.TryGetProperty("votes", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return new SelectionReason(strategy.GetString() ?? "", score, rank, top, votes);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Checks that an item belongs to a project the caller may see, and returns its blob hash (images).</summary>
    public async Task<(string? BlobHash, string? MediaType)> GetContentAsync(Caller caller, int projectId, long itemId, CancellationToken cancellationToken = default)
    {
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var item = await db.Items.AsNoTracking().Where(i => i.Id == itemId && i.ProjectId == projectId)
            .Select(i => new { i.BlobHash, i.MediaType }).SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException($"Item {itemId} is not in project {projectId}.");
        return (item.BlobHash, item.MediaType);
    }
}
