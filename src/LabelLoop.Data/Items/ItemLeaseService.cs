using System.Text.Json;
using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Items;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Annotations;
using LabelLoop.Data.Projects;
using Microsoft.EntityFrameworkCore;
using System.Security.Cryptography;
using LabelLoop.Data.Providers;

namespace LabelLoop.Data.Items;

/// <summary>
/// Serves items to annotators. An annotator first gets back the items already leased to them (so a retry or a
/// reload shows the same item); new leases take the best-ranked items that are not leased to or labeled by
/// enough others, under row locks on PostgreSQL (<c>FOR UPDATE SKIP LOCKED</c>) and in SQLite's one-writer-at-a-time
/// transactions, so two annotators never race for one item.
/// </summary>
public sealed class ItemLeaseService(
    IDbContextFactory<LabelLoopDbContext> contextFactory, ProjectService projects, TimeProvider time, LabelingGate? gate = null)
{
    private readonly LabelingGate _gate = gate ?? LabelingGate.Unlimited;

    private const int CandidateBatch = 8;

    /// <summary>
    /// Returns up to <paramref name="count"/> items leased to the caller: live leases first, then new ones. Once the
    /// project's label budget is used up nothing is served, and new leases stop while the labels given plus the live
    /// leases reach it (counted under the project row lock, so parallel calls cannot pass it together).
    /// </summary>
    public async Task<IReadOnlyList<ServedItem>> NextAsync(Caller caller, int projectId, int count = 1, CancellationToken cancellationToken = default)
    {
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        using var slot = await _gate.EnterAsync(cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // A lease lost in a crash only returns an item to the pool early, so its commit need not wait for the
        // disk; labels (AnnotationService) keep the durable default.
        var served = await LeaseInTransactionAsync(db, projectId, caller.UserId, count, time.GetUtcNow().UtcDateTime, relaxedCommit: true, pendingLabeled: 0, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return served;
    }

    /// <summary>
    /// The body of <see cref="NextAsync"/> on the caller's context and open transaction (the workspace runs it in the
    /// transaction that stores the previous label). The caller has checked access. <paramref name="pendingLabeled"/> is
    /// the move of the project's labeled counter that the transaction has yet to write (it writes it last).
    /// </summary>
    internal static async Task<IReadOnlyList<ServedItem>> LeaseInTransactionAsync(
        LabelLoopDbContext db, int projectId, string userId, int count, DateTime now, bool relaxedCommit, int pendingLabeled,
        CancellationToken cancellationToken)
    {
        var dialect = DatabaseDialect.Of(db);

        // One round trip: the project's settings (and, with a budget, what is left of it), the caller's live
        // leases, and the active ranking.
        List<(string, (string, object?)[])> statements = [];
        if (relaxedCommit && dialect.RelaxedCommit.Length > 0)
        {
            statements.Add((dialect.RelaxedCommit, []));
        }
        statements.Add((BudgetLockSql(dialect), [("project", projectId)]));
        statements.Add((ProjectForLeaseSql, [("project", projectId), ("now", now)]));
        statements.Add((LiveLeasesSql, [("project", projectId), ("user", userId), ("now", now), ("count", count)]));
        statements.Add((ActiveVersionSql, [("project", projectId)]));
        await using var batch = DatabaseDialect.Batch(db.Database, [.. statements]);
        ProjectForLease project;
        var leased = new List<long>();
        int? activeVersion = null;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            await reader.NextResultAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                throw new NotFoundException($"Project {projectId} does not exist.");
            }
            project = new ProjectForLease(reader.GetInt32(0), reader.GetInt32(1), Enum.Parse<ProjectKind>(reader.GetString(2)), reader.GetInt32(3),
                reader.GetInt32(4), reader.IsDBNull(5) ? null : reader.GetInt64(5), reader.GetInt64(6));
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                leased.Add(reader.GetInt64(0));
            }
            await reader.NextResultAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                activeVersion = reader.GetInt32(0);
            }
        }

        if (project.BudgetLeft is <= 0)
        {
            return [];
        }
        // With a budget, every live lease may still become a label: lease no more than what is left of it.
        var wanted = count - leased.Count;
        if (project.BudgetLeft is { } left)
        {
            wanted = (int)Math.Min(wanted, Math.Max(0, left - project.LiveLeases));
        }
        if (wanted > 0)
        {
            var audit = new AuditRoute(project.AuditPercent, project.LabeledCount + pendingLabeled + leased.Count);
            leased.AddRange(await LeaseNewAsync(db, dialect, projectId, userId, project.Overlap, project.LeaseMinutes, wanted, now, audit,
                activeVersion, cancellationToken));
        }
        return await DescribeAsync(db, dialect, projectId, project.Kind, userId, leased, coldStart: activeVersion is null, cancellationToken);
    }

    private sealed record ProjectForLease(int Overlap, int LeaseMinutes, ProjectKind Kind, int AuditPercent, int LabeledCount, long? BudgetLeft, long LiveLeases);

    // In a project with a label budget, leases queue on the project row as labels do (AnnotationService takes the
    // same lock after the item's), so the counts below see every lease and label committed before ours and two
    // calls cannot lease the last of the budget twice. It cannot deadlock with an answer that holds an item and
    // waits for the project: leasing takes items with SKIP LOCKED and never waits for one. Projects without a
    // budget lock nothing here.
    // On SQLite the immediate transaction already serialises writers, and the lock clause is empty.
    private static string BudgetLockSql(IDatabaseDialect dialect) =>
        $"""SELECT 1 FROM "Projects" p WHERE p."Id" = @project AND p."LabelBudget" IS NOT NULL{dialect.ForNoKeyUpdate}""";

    // Labels given count as the dashboard counts them (no skips, no review decisions); both counts run only when
    // the project has a budget.
    private const string ProjectForLeaseSql =
        """
        SELECT p."Overlap", p."LeaseMinutes", p."Kind", p."AuditPercent", p."LabeledCount",
          CASE WHEN p."LabelBudget" IS NULL THEN NULL
               ELSE p."LabelBudget" - (SELECT count(*) FROM "Annotations" a
                                       WHERE a."ProjectId" = p."Id" AND NOT a."WasSkipped" AND NOT a."IsGroundTruth") END,
          CASE WHEN p."LabelBudget" IS NULL THEN 0
               ELSE (SELECT count(*) FROM "ItemLeases" l WHERE l."ProjectId" = p."Id" AND l."ExpiresUtc" > @now) END
        FROM "Projects" p
        WHERE p."Id" = @project
        """;

    private const string LiveLeasesSql =
        """
        SELECT l."ItemId" FROM "ItemLeases" l
        WHERE l."ProjectId" = @project AND l."UserId" = @user AND l."ExpiresUtc" > @now
        ORDER BY l."LeasedUtc", l."Id"
        LIMIT @count
        """;

    private const string ActiveVersionSql =
        """SELECT m."Id" FROM "ModelVersions" m WHERE m."ProjectId" = @project AND m."IsActive" LIMIT 1""";

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
        LabelLoopDbContext db, IDatabaseDialect dialect, int projectId, string userId, int overlap, int leaseMinutes, int wanted, DateTime now,
        AuditRoute audit, int? activeVersion, CancellationToken cancellationToken)
    {
        var result = new List<long>();
        for (var round = 0; round < 4 + wanted && result.Count < wanted; round++)
        {
            if (audit.IsTurn(result.Count))
            {
                // An audit pick: uniform over the open pool, whatever the ranking says, and leased without the
                // model's suggestion so the label does not lean on the model it will judge.
                var start = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
                var picks = await SelectCandidatesAsync(db, dialect, CandidateQuery.Audit, projectId, userId, now, overlap, result, 0, cancellationToken, start);
                if (picks.Count == 0)
                {
                    picks = await SelectCandidatesAsync(db, dialect, CandidateQuery.Audit, projectId, userId, now, overlap, result, 0, cancellationToken, "");
                }
                audit.Tried(result.Count);
                foreach (var (itemId, _) in picks)
                {
                    if (await ClaimAsync(db, projectId, userId, now, leaseMinutes, overlap, itemId, null, cancellationToken))
                    {
                        await using var mark = DatabaseDialect.Command(db.Database, """UPDATE "Items" SET "IsAudit" = TRUE WHERE "Id" = @item""", ("item", itemId));
                        await mark.ExecuteNonQueryAsync(cancellationToken);
                        result.Add(itemId);
                        break;
                    }
                }
                continue;
            }
            // Candidates by the active ranking first (before the first model, by the cold-start order the
            // pretraining job wrote), then open items without a prediction in content-hash order (stable and
            // pseudo-random), each an index walk that stops at the limit; rows are locked so no concurrent call can
            // lease them meanwhile.
            var candidates = activeVersion is { } version
                ? await SelectCandidatesAsync(db, dialect, CandidateQuery.Ranked, projectId, userId, now, overlap, result, version, cancellationToken)
                : await SelectCandidatesAsync(db, dialect, CandidateQuery.ColdStart, projectId, userId, now, overlap, result, 0, cancellationToken);
            if (candidates.Count < CandidateBatch)
            {
                // Items the ranking holds are excluded here: they were offered above (and are leased or locked).
                candidates.AddRange(await SelectCandidatesAsync(db, dialect, CandidateQuery.Pool, projectId, userId, now, overlap, result, activeVersion ?? 0, cancellationToken));
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
                if (await ClaimAsync(db, projectId, userId, now, leaseMinutes, overlap, itemId, predictionId, cancellationToken))
                {
                    result.Add(itemId);
                }
            }
        }
        return result;
    }

    private static async Task<bool> ClaimAsync(
        LabelLoopDbContext db, int projectId, string userId, DateTime now, int leaseMinutes, int overlap,
        long itemId, long? predictionId, CancellationToken cancellationToken)
    {
        // Re-count under the row lock with a fresh statement: the candidate query's snapshot may predate
        // a lease another annotator committed just before we locked the row.
        await using var claim = DatabaseDialect.Command(db.Database,
            """
            INSERT INTO "ItemLeases" ("ProjectId", "ItemId", "UserId", "LeasedUtc", "ExpiresUtc", "PredictionId")
            SELECT @project, i."Id", @user, @now, @expires, @prediction
            FROM "Items" i
            WHERE i."Id" = @item AND i."Status" = 'Unlabeled'
              AND i."AnnotationCount" + (SELECT count(*) FROM "ItemLeases" l WHERE l."ItemId" = i."Id" AND l."ExpiresUtc" > @now AND l."UserId" <> @user) < @overlap
            ON CONFLICT ("ItemId", "UserId") DO UPDATE
              SET "LeasedUtc" = EXCLUDED."LeasedUtc", "ExpiresUtc" = EXCLUDED."ExpiresUtc", "PredictionId" = EXCLUDED."PredictionId"
            """, ("project", projectId), ("user", userId), ("now", now), ("expires", now.AddMinutes(leaseMinutes)), ("prediction", predictionId),
            ("item", itemId), ("overlap", overlap));
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

    private enum CandidateQuery
    {
        Audit,
        Ranked,
        ColdStart,
        Pool,
    }

    private static string CandidatesSql(CandidateQuery query, IDatabaseDialect dialect) => query switch
    {
        CandidateQuery.Audit =>
            $"""
            SELECT i."Id", CAST(NULL AS bigint)
            FROM "Items" i
            WHERE i."ProjectId" = @project AND i."ContentHash" >= @start
              AND {OpenForUser(dialect)}
            ORDER BY i."ContentHash"
            LIMIT @limit{dialect.ForUpdateSkipLocked("i")}
            """,
        CandidateQuery.Ranked =>
            $"""
            SELECT i."Id", p."Id"
            FROM "Predictions" p JOIN "Items" i ON i."Id" = p."ItemId"
            WHERE p."ModelVersionId" = @version AND p."Rank" IS NOT NULL AND i."ProjectId" = @project
              AND {OpenForUser(dialect)}
            ORDER BY p."Rank"
            LIMIT @limit{dialect.ForUpdateSkipLocked("i")}
            """,
        CandidateQuery.ColdStart =>
            $"""
            SELECT i."Id", CAST(NULL AS bigint)
            FROM "Items" i
            WHERE i."ProjectId" = @project AND i."ColdStartRank" IS NOT NULL
              AND {OpenForUser(dialect)}
            ORDER BY i."ColdStartRank"
            LIMIT @limit{dialect.ForUpdateSkipLocked("i")}
            """,
        _ =>
            $"""
            SELECT i."Id", CAST(NULL AS bigint)
            FROM "Items" i
            WHERE i."ProjectId" = @project
              AND {OpenForUser(dialect)}
              AND NOT EXISTS (SELECT 1 FROM "Predictions" p WHERE p."ItemId" = i."Id" AND p."ModelVersionId" = @version AND p."Rank" IS NOT NULL)
            ORDER BY i."ContentHash"
            LIMIT @limit{dialect.ForUpdateSkipLocked("i")}
            """,
    };

    // Shared conditions: not answered or leased by this annotator, fewer live leases and labels than the overlap.
    private static string OpenForUser(IDatabaseDialect dialect) =>
        $"""
        i."Status" = 'Unlabeled'
          AND NOT ({dialect.InList("i.\"Id\"", "@taken")})
          AND NOT EXISTS (SELECT 1 FROM "Annotations" a WHERE a."ItemId" = i."Id" AND a."UserId" = @user)
          AND NOT EXISTS (SELECT 1 FROM "ItemLeases" l WHERE l."ItemId" = i."Id" AND l."UserId" = @user AND l."ExpiresUtc" > @now)
          AND i."AnnotationCount" + (SELECT count(*) FROM "ItemLeases" l WHERE l."ItemId" = i."Id" AND l."ExpiresUtc" > @now) < @overlap
        """;

    private static async Task<List<(long ItemId, long? PredictionId)>> SelectCandidatesAsync(
        LabelLoopDbContext db, IDatabaseDialect dialect, CandidateQuery query, int projectId, string userId, DateTime now, int overlap,
        List<long> taken, int version, CancellationToken cancellationToken, string? start = null)
    {
        var candidates = new List<(long, long?)>();
        await using var select = DatabaseDialect.Command(db.Database, CandidatesSql(query, dialect),
            ("project", projectId), ("user", userId), ("now", now), ("overlap", overlap), ("taken", dialect.ListValue(taken)),
            ("limit", CandidateBatch));
        if (query is CandidateQuery.Ranked or CandidateQuery.Pool)
        {
            DatabaseDialect.Add(select, "version", version);
        }
        if (start is not null)
        {
            DatabaseDialect.Add(select, "start", start);
        }
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            candidates.Add((reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1)));
        }
        return candidates;
    }

    private static async Task<IReadOnlyList<ServedItem>> DescribeAsync(
        LabelLoopDbContext db, IDatabaseDialect dialect, int projectId, ProjectKind kind, string userId, List<long> itemIds, bool coldStart,
        CancellationToken cancellationToken)
    {
        if (itemIds.Count == 0)
        {
            return [];
        }
        await using var select = DatabaseDialect.Command(db.Database,
            $"""
            SELECT i."Id", i."Text", l."ExpiresUtc", p."Id", p."Label", p."Probabilities", p."Score", p."Rank", p."ReasonJson", i."ColdStartRank"
            FROM "ItemLeases" l
            JOIN "Items" i ON i."Id" = l."ItemId"
            LEFT JOIN "Predictions" p ON p."Id" = l."PredictionId"
            WHERE l."UserId" = @user AND {dialect.InList("l.\"ItemId\"", "@items")}
            """, ("user", userId), ("items", dialect.ListValue(itemIds)));
        var byId = new Dictionary<long, ServedItem>(itemIds.Count);
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetInt64(0);
                Suggestion? suggestion = null;
                SelectionReason? why = null;
                if (!reader.IsDBNull(3))
                {
                    var probabilities = dialect.ReadSingles(reader, 5);
                    suggestion = new Suggestion(reader.GetString(4), probabilities.Length == 0 ? 0 : probabilities.Max(), reader.GetInt64(3));
                    why = ParseReason(reader.GetString(8), reader.GetDouble(6), reader.IsDBNull(7) ? null : reader.GetInt32(7));
                }
                else if (coldStart && !reader.IsDBNull(9))
                {
                    why = SelectionReason.ColdStart(reader.GetInt32(9));
                }
                var contentUrl = kind == ProjectKind.Image ? ContentUrl(projectId, id) : null;
                var text = reader.IsDBNull(1) ? null : reader.GetString(1);
                byId[id] = new ServedItem(id, projectId, kind, text, contentUrl, dialect.ReadUtc(reader, 2), suggestion, why);
            }
        }
        return itemIds.Select(id => byId[id]).ToList();
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
