using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Annotations;
using LabelLoop.Core.Export;
using LabelLoop.Core.Items;
using LabelLoop.Data.Items;
using LabelLoop.Data.Projects;
using LabelLoop.Data.Webhooks;
using LabelLoop.Core.Webhooks;
using Microsoft.EntityFrameworkCore;
using LabelLoop.Data.Providers;

namespace LabelLoop.Data.Annotations;

/// <summary>
/// Labels, skips, undo and review. Each call locks the item row, stores the answer, recomputes the item's
/// state with <see cref="ItemOutcome"/> and updates the counters in one transaction, so a label is durable
/// when the call returns and repeated submits are harmless.
/// </summary>
public sealed class AnnotationService(
    IDbContextFactory<LabelLoopDbContext> contextFactory, ProjectService projects, TimeProvider time, LabelingGate? gate = null)
{
    private readonly LabelingGate _gate = gate ?? LabelingGate.Unlimited;

    /// <summary>How long after labeling an annotator may still take the label back.</summary>
    public static readonly TimeSpan UndoWindow = TimeSpan.FromHours(1);

    public async Task<SubmitResult> SubmitAsync(Caller caller, int projectId, SubmitAnnotation request, CancellationToken cancellationToken = default)
    {
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        Validate(request);
        using var slot = await _gate.EnterAsync(cancellationToken);
        try
        {
            await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var (result, labeledDelta) = await SubmitInTransactionAsync(db, caller, projectId, request, time.GetUtcNow().UtcDateTime, cancellationToken);
            if (labeledDelta != 0)
            {
                db.MarkProjectChanged(projectId);
                await using var move = DatabaseDialect.Command(db.Database, MoveLabeledCountSql, ("delta", labeledDelta), ("project", projectId));
                await move.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            return result;
        }
        catch (Exception ex) when (DatabaseDialect.IsUniqueViolation(ex))
        {
            return await FirstWithKeyAsync(caller, request, cancellationToken);
        }
    }

    /// <summary>
    /// The workspace's round trip: stores the answer (as <see cref="SubmitAsync"/>), then serves the caller's next
    /// <paramref name="count"/> items (as <see cref="ItemLeaseService.NextAsync"/>) and reads their progress, all in one
    /// transaction whose commit makes the label durable.
    /// </summary>
    public async Task<LabelAndNext> SubmitAndNextAsync(
        Caller caller, int projectId, SubmitAnnotation request, int count, CancellationToken cancellationToken = default)
    {
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        Validate(request);
        using var slot = await _gate.EnterAsync(cancellationToken);
        try
        {
            await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var now = time.GetUtcNow().UtcDateTime;
            var (submitted, labeledDelta) = await SubmitInTransactionAsync(db, caller, projectId, request, now, cancellationToken);
            var next = await ItemLeaseService.LeaseInTransactionAsync(db, projectId, caller.UserId, count, now, relaxedCommit: false, labeledDelta, cancellationToken);
            // The project's counter row is the one row every annotator's transaction writes: it is updated last, with
            // the progress read, so its lock is held for the commit alone and the round trips of many annotators
            // overlap instead of queueing behind it.
            var progress = await ProgressInTransactionAsync(db, projectId, caller.UserId, now, labeledDelta, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new LabelAndNext(submitted, next, progress);
        }
        catch (Exception ex) when (DatabaseDialect.IsUniqueViolation(ex))
        {
            var submitted = await FirstWithKeyAsync(caller, request, cancellationToken);
            await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var now = time.GetUtcNow().UtcDateTime;
            var next = await ItemLeaseService.LeaseInTransactionAsync(db, projectId, caller.UserId, count, now, relaxedCommit: true, pendingLabeled: 0, cancellationToken);
            var progress = await ProgressInTransactionAsync(db, projectId, caller.UserId, now, labeledDelta: 0, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new LabelAndNext(submitted, next, progress);
        }
    }

    private static void Validate(SubmitAnnotation request)
    {
        if (request.IdempotencyKey is { Length: > 100 })
        {
            throw new DomainValidationException("idempotencyKey", "Idempotency keys are at most 100 characters.");
        }
        if (request.Comment is { Length: > 2000 })
        {
            throw new DomainValidationException("comment", "Comments are at most 2000 characters.");
        }
    }

    /// <summary>
    /// Two requests with one idempotency key raced past the check: the first one won. A retry of it gets its answer;
    /// a request for another item is refused as if it had come second.
    /// </summary>
    private async Task<SubmitResult> FirstWithKeyAsync(Caller caller, SubmitAnnotation request, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var existing = await db.Annotations.AsNoTracking()
            .Where(a => a.UserId == caller.UserId && a.IdempotencyKey == request.IdempotencyKey)
            .Select(a => new { a.Id, a.ItemId }).SingleAsync(cancellationToken);
        if (existing.ItemId != request.ItemId)
        {
            throw KeyUsedElsewhere(request.IdempotencyKey, existing.Id);
        }
        var status = await db.Items.Where(i => i.Id == existing.ItemId).Select(i => i.Status).SingleAsync(cancellationToken);
        return new SubmitResult(existing.Id, false, status);
    }

    // Keys are unique per account across every project, so the earlier request may be in another project: the
    // message names the key and the annotation only, never that project.
    private static ConflictException KeyUsedElsewhere(string? key, long annotationId) =>
        new($"The Idempotency-Key '{key}' was already used for another request (annotation {annotationId}, another item); use a new key for a new answer.");

    // Read under the item's row lock, in one round trip: the item, an earlier answer by the caller (same item, or
    // same idempotency key), whether the label exists, what the admission check needs (the caller's lease, the other
    // live leases on the item, the overlap and, with a budget, what is left of it), every answer on the item, and
    // whether a webhook listens. Each statement sees what committed before it ran, so the answers read after the lock
    // include every answer stored before we got it.
    private static string LockItemSql(IDatabaseDialect dialect) =>
        $"""SELECT "Status", "ExternalId", "FinalLabel", "ContentHash" FROM "Items" WHERE "Id" = @item AND "ProjectId" = @project{dialect.ForUpdate}""";

    // An answer on another item sorts first (false before true): it can only have matched by key, and a key reused
    // for another item is refused rather than mistaken for a retry.
    private const string PreviousAnswerSql =
        """
        SELECT a."Id", a."ItemId" FROM "Annotations" a
        WHERE a."UserId" = @user AND NOT a."IsGroundTruth" AND (a."ItemId" = @item OR (CAST(@key AS text) IS NOT NULL AND a."IdempotencyKey" = @key))
        ORDER BY a."ItemId" = @item, a."Id" LIMIT 1
        """;

    private const string LabelExistsSql =
        """SELECT EXISTS (SELECT 1 FROM "LabelClasses" l WHERE l."ProjectId" = @project AND l."Name" = @label)""";

    // Labels of a project with a budget queue here, after the item lock (the order every labeling transaction
    // takes), so the count below sees every label committed before ours and the budget holds exactly. Projects
    // without a budget lock nothing here: their counter row is written last, as before.
    private static string BudgetLockSql(IDatabaseDialect dialect) =>
        $"""SELECT 1 FROM "Projects" p WHERE p."Id" = @project AND p."LabelBudget" IS NOT NULL AND @label{dialect.ForNoKeyUpdate}""";

    // One statement, each part an index lookup: the (item, user) lease, the item's other live leases, and, only with a
    // budget, the project's labels and live leases (the counts the lease service checks before serving).
    private const string AdmissionSql =
        """
        SELECT p."Overlap", p."LabelBudget", mine."LeasedUtc", mine."ExpiresUtc", mine."PredictionId",
               (SELECT count(*) FROM "ItemLeases" o WHERE o."ItemId" = @item AND o."UserId" <> @user AND o."ExpiresUtc" > @now),
               CASE WHEN p."LabelBudget" IS NULL OR NOT @label THEN 0
                    ELSE (SELECT count(*) FROM "Annotations" a
                          WHERE a."ProjectId" = p."Id" AND NOT a."WasSkipped" AND NOT a."IsGroundTruth") END,
               CASE WHEN p."LabelBudget" IS NULL OR NOT @label OR mine."ExpiresUtc" > @now THEN 0
                    ELSE (SELECT count(*) FROM "ItemLeases" l WHERE l."ProjectId" = p."Id" AND l."ExpiresUtc" > @now) END
        FROM "Projects" p
        LEFT JOIN "ItemLeases" mine ON mine."ItemId" = @item AND mine."UserId" = @user
        WHERE p."Id" = @project
        """;

    private const string AnswersSql =
        """SELECT a."Label", a."WasSkipped", a."IsGroundTruth" FROM "Annotations" a WHERE a."ItemId" = @item ORDER BY a."Id" """;

    private static string WebhookListensSql(IDatabaseDialect dialect) =>
        $"""SELECT EXISTS (SELECT 1 FROM "Webhooks" w WHERE w."ProjectId" = @project AND w."IsActive" AND {dialect.ArrayContains("w.\"Events\"", "@event")})""";

    /// <summary>
    /// Stores the answer under the item's row lock, once <see cref="AnswerAdmission"/> admits it (a refusal is a
    /// <see cref="ConflictException"/>). The project's labeled counter is left to the caller, which moves it by the
    /// returned delta just before committing (see <see cref="SubmitAndNextAsync"/>).
    /// </summary>
    private static async Task<(SubmitResult Result, int LabeledDelta)> SubmitInTransactionAsync(
        LabelLoopDbContext db, Caller caller, int projectId, SubmitAnnotation request, DateTime now, CancellationToken cancellationToken)
    {
        var dialect = DatabaseDialect.Of(db);
        var label = request.Skip ? null : request.Label?.Trim();
        var key = request.IdempotencyKey;

        Item item;
        (long Id, long ItemId)? previous = null;
        var labelExists = false;
        (DateTime LeasedUtc, long? PredictionId)? lease = null;
        var callerLease = AnswerAdmission.Lease.None;
        var answers = new List<(string? Label, bool WasSkipped, bool IsGroundTruth)>();
        int overlap;
        int? budget;
        long othersLiveLeases, labelsGiven, liveLeases;
        bool webhookListens;
        await using (var read = DatabaseDialect.Batch(db.Database,
            (LockItemSql(dialect), [("item", request.ItemId), ("project", projectId)]),
            (PreviousAnswerSql, [("user", caller.UserId), ("item", request.ItemId), ("key", key)]),
            (LabelExistsSql, [("project", projectId), ("label", label ?? "")]),
            (BudgetLockSql(dialect), [("project", projectId), ("label", !request.Skip)]),
            (AdmissionSql, [("item", request.ItemId), ("user", caller.UserId), ("project", projectId), ("now", now), ("label", !request.Skip)]),
            (AnswersSql, [("item", request.ItemId)]),
            (WebhookListensSql(dialect), [("project", projectId), ("event", WebhookEvents.AnnotationCreated)])))
        {
            // "key" is compared as text even when null.
            TypeNullText(read, "key_1");
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                throw new NotFoundException($"Item {request.ItemId} is not in project {projectId}.");
            }
            item = new Item
            {
                Id = request.ItemId,
                ProjectId = projectId,
                Status = Enum.Parse<ItemStatus>(reader.GetString(0)),
                ExternalId = reader.GetString(1),
                FinalLabel = reader.IsDBNull(2) ? null : reader.GetString(2),
                ContentHash = reader.GetString(3),
            };
            await reader.NextResultAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                previous = (reader.GetInt64(0), reader.GetInt64(1));
            }
            await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            labelExists = reader.GetBoolean(0);
            await reader.NextResultAsync(cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            overlap = reader.GetInt32(0);
            budget = reader.IsDBNull(1) ? null : reader.GetInt32(1);
            if (!reader.IsDBNull(2))
            {
                lease = (dialect.ReadUtc(reader, 2), reader.IsDBNull(4) ? null : reader.GetInt64(4));
                callerLease = reader.GetDateTime(3) > now ? AnswerAdmission.Lease.Live : AnswerAdmission.Lease.Expired;
            }
            othersLiveLeases = reader.GetInt64(5);
            labelsGiven = reader.GetInt64(6);
            liveLeases = reader.GetInt64(7);
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                answers.Add((reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2)));
            }
            await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            webhookListens = reader.GetBoolean(0);
        }

        // The same key, or the same annotator on the same item: a double key press or a retried request. It answers
        // as the first time did, whatever happened to the item, the lease or the budget since.
        if (previous is { } earlier)
        {
            if (earlier.ItemId != item.Id)
            {
                throw KeyUsedElsewhere(key, earlier.Id);
            }
            return (new SubmitResult(earlier.Id, false, item.Status), 0);
        }
        if (!request.Skip && string.IsNullOrEmpty(label))
        {
            throw new DomainValidationException("label", "A label is required (or skip the item).");
        }
        if (!request.Skip && !labelExists)
        {
            throw new DomainValidationException("label", $"'{label}' is not a label of this project.");
        }
        var labels = answers.Count(a => !a.IsGroundTruth && !a.WasSkipped);
        if (AnswerAdmission.Refusal(item.Id, new AnswerAdmission.Facts(
                item.Status, labels, overlap, callerLease, (int)othersLiveLeases, request.Skip, budget, labelsGiven, liveLeases)) is { } refusal)
        {
            throw new ConflictException(refusal);
        }

        var leadTime = request.LeadTimeSeconds ?? (lease is { } l ? (now - l.LeasedUtc).TotalSeconds : 0);
        var annotation = new Annotation
        {
            ItemId = item.Id,
            ProjectId = projectId,
            UserId = caller.UserId,
            Label = label,
            WasSkipped = request.Skip,
            Comment = string.IsNullOrWhiteSpace(request.Comment) ? null : request.Comment.Trim(),
            LeadTimeSeconds = Math.Clamp(leadTime, 0, 86_400),
            ParentPredictionId = lease?.PredictionId,
            IdempotencyKey = request.IdempotencyKey,
            CreatedUtc = now,
        };
        answers.Add((label, request.Skip, false));
        var (status, delta) = Recompute(item, overlap, answers);

        // One round trip: the answer, the lease it ends and the item's new state.
        List<(string, (string, object?)[])> writes =
        [
            (
                """
                INSERT INTO "Annotations" ("ItemId", "ProjectId", "UserId", "Label", "WasSkipped", "Comment", "IsGroundTruth",
                                           "LeadTimeSeconds", "ParentPredictionId", "IdempotencyKey", "CreatedUtc")
                VALUES (@item, @project, @user, @label, @skipped, @comment, FALSE, @lead, @prediction, @key, @now)
                RETURNING "Id"
                """,
                [("item", item.Id), ("project", projectId), ("user", caller.UserId), ("label", annotation.Label), ("skipped", annotation.WasSkipped),
                 ("comment", annotation.Comment), ("lead", annotation.LeadTimeSeconds), ("prediction", annotation.ParentPredictionId),
                 ("key", annotation.IdempotencyKey), ("now", now)]
            ),
        ];
        if (lease is not null)
        {
            writes.Add(("""DELETE FROM "ItemLeases" WHERE "ItemId" = @item AND "UserId" = @user""", [("item", item.Id), ("user", caller.UserId)]));
        }
        writes.Add((
            """UPDATE "Items" SET "Status" = @status, "FinalLabel" = @final, "AnnotationCount" = @count WHERE "Id" = @item""",
            [("status", item.Status.ToString()), ("final", item.FinalLabel), ("count", item.AnnotationCount), ("item", item.Id)]));
        await using (var write = DatabaseDialect.Batch(db.Database, [.. writes]))
        {
            TypeNullText(write, "label_0", "comment_0", "key_0", "final_" + (writes.Count - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            annotation.Id = Convert.ToInt64(await write.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }
        if (webhookListens)
        {
            await WebhookOutbox.AnnotationCreatedAsync(db, annotation, item, cancellationToken);
        }
        return (new SubmitResult(annotation.Id, true, status), delta);
    }

    /// <summary>Applies <see cref="ItemOutcome"/> to the item (in memory) and returns its state and the labeled counter's move.</summary>
    private static (ItemStatus Status, int LabeledDelta) Recompute(Item item, int overlap, List<(string? Label, bool WasSkipped, bool IsGroundTruth)> answers)
    {
        var reviewed = answers.LastOrDefault(a => a.IsGroundTruth).Label;
        var outcome = ItemOutcome.Decide(overlap, answers.Where(a => !a.IsGroundTruth).Select(a => a.WasSkipped ? null : a.Label).ToList(), reviewed);
        var wasLabeled = item.Status == ItemStatus.Labeled;
        item.Status = outcome.Status;
        item.FinalLabel = outcome.FinalLabel;
        item.AnnotationCount = outcome.LabelCount;
        return (outcome.Status, (outcome.Status == ItemStatus.Labeled ? 1 : 0) - (wasLabeled ? 1 : 0));
    }

    /// <summary>
    /// Takes back the caller's own answer (within <see cref="UndoWindow"/>, before review) and leases the item to
    /// them again so it is shown next. Returns the item id.
    /// </summary>
    public async Task<long> UndoAsync(Caller caller, int projectId, long annotationId, CancellationToken cancellationToken = default)
    {
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        using var slot = await _gate.EnterAsync(cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var target = await db.Annotations.AsNoTracking()
            .Where(a => a.Id == annotationId && a.ProjectId == projectId)
            .Select(a => new { a.ItemId, a.UserId, a.CreatedUtc, a.IsGroundTruth }).SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException($"Annotation {annotationId} does not exist.");
        if (target.UserId != caller.UserId || target.IsGroundTruth)
        {
            throw new AccessDeniedException("Only your own labels can be undone.");
        }
        var now = time.GetUtcNow().UtcDateTime;
        if (now - target.CreatedUtc > UndoWindow)
        {
            throw new DomainValidationException("annotationId", "This label is too old to undo; ask a reviewer to correct it.");
        }
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var item = await LockItemAsync(db, projectId, target.ItemId, cancellationToken);
        if (await db.Annotations.AnyAsync(a => a.ItemId == item.Id && a.IsGroundTruth, cancellationToken))
        {
            throw new DomainValidationException("annotationId", "A reviewer has already decided this item.");
        }
        await db.Annotations.Where(a => a.Id == annotationId).ExecuteDeleteAsync(cancellationToken);
        await RecomputeAsync(db, item, cancellationToken);
        var minutes = await db.Projects.Where(p => p.Id == projectId).Select(p => p.LeaseMinutes).SingleAsync(cancellationToken);
        await ItemLeaseService.RenewAsync(db, projectId, item.Id, caller.UserId, now, minutes, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return item.Id;
    }

    /// <summary>Items waiting for a reviewer, oldest first, with every answer.</summary>
    public async Task<IReadOnlyList<ReviewItem>> ReviewQueueAsync(Caller caller, int projectId, int limit = 50, CancellationToken cancellationToken = default)
    {
        RequireReviewer(caller);
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var items = await db.Items.AsNoTracking()
            .Where(i => i.ProjectId == projectId && i.Status == ItemStatus.InReview)
            .OrderBy(i => i.Id).Take(Math.Clamp(limit, 1, 500))
            .Select(i => new { i.Id, i.ExternalId, i.Text, i.BlobHash })
            .ToListAsync(cancellationToken);
        var ids = items.Select(i => i.Id).ToList();
        var answers = (await db.Annotations.AsNoTracking().Where(a => ids.Contains(a.ItemId) && !a.WasSkipped)
                .Join(db.Users, a => a.UserId, u => u.Id, (a, u) => new { a.ItemId, u.Email, a.Label, a.CreatedUtc, a.Id })
                .OrderBy(a => a.Id).ToListAsync(cancellationToken))
            .ToLookup(a => a.ItemId);
        // Reviewers see every answer but not the import's external ids (an image's path names its class folder).
        var projection = ExportProjection.For(caller);
        return items.Select(i => projection.Apply(new ReviewItem(i.Id, i.ExternalId, i.Text,
                i.BlobHash is null ? null : ItemLeaseService.ContentUrl(projectId, i.Id),
                answers[i.Id].Select(a => new ReviewAnswer(a.Email ?? "", a.Label, a.CreatedUtc)).ToList())))
            .ToList();
    }

    /// <summary>A reviewer's final label: stored as a ground-truth annotation; the item becomes Labeled.</summary>
    public async Task ResolveAsync(Caller caller, int projectId, long itemId, string label, CancellationToken cancellationToken = default)
    {
        RequireReviewer(caller);
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        using var slot = await _gate.EnterAsync(cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        if (!await db.LabelClasses.AnyAsync(l => l.ProjectId == projectId && l.Name == label, cancellationToken))
        {
            throw new DomainValidationException("label", $"'{label}' is not a label of this project.");
        }
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var item = await LockItemAsync(db, projectId, itemId, cancellationToken);
        await db.Annotations.Where(a => a.ItemId == itemId && a.IsGroundTruth).ExecuteDeleteAsync(cancellationToken);
        var decision = new Annotation
        {
            ItemId = itemId,
            ProjectId = projectId,
            UserId = caller.UserId,
            Label = label,
            IsGroundTruth = true,
            CreatedUtc = time.GetUtcNow().UtcDateTime,
        };
        db.Annotations.Add(decision);
        await db.SaveChangesAsync(cancellationToken);
        await RecomputeAsync(db, item, cancellationToken);
        await WebhookOutbox.AnnotationCreatedAsync(db, decision, item, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Labels today (UTC), labels in total, and items not yet labeled in the project.</summary>
    public async Task<AnnotatorProgress> ProgressAsync(Caller caller, int projectId, CancellationToken cancellationToken = default)
    {
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        return await ProgressInTransactionAsync(db, projectId, caller.UserId, time.GetUtcNow().UtcDateTime, labeledDelta: 0, cancellationToken);
    }

    /// <summary>
    /// Moves the project's labeled counter. Every label writes this one row, so labeling transactions run it last,
    /// just before their commit, and hold its lock as briefly as they can.
    /// </summary>
    private const string MoveLabeledCountSql = """UPDATE "Projects" SET "LabeledCount" = "LabeledCount" + @delta WHERE "Id" = @project""";

    /// <summary>Null parameters compared or stored as text need a type on PostgreSQL; SQLite needs none.</summary>
    private static void TypeNullText(System.Data.Common.DbCommand command, params string[] names)
    {
        foreach (var name in names)
        {
            if (command.Parameters[name].Value is DBNull)
            {
                command.Parameters[name].DbType = System.Data.DbType.String;
            }
        }
    }

    /// <summary>
    /// <see cref="ProgressAsync"/> in one round trip on the caller's open connection (and transaction, if any), after
    /// moving the project's labeled counter by <paramref name="labeledDelta"/> when it is not zero. Items left come
    /// from the project's counters: counting open items would scan the pool on every label.
    /// </summary>
    private static async Task<AnnotatorProgress> ProgressInTransactionAsync(
        LabelLoopDbContext db, int projectId, string userId, DateTime now, int labeledDelta, CancellationToken cancellationToken)
    {
        List<(string, (string, object?)[])> statements = [];
        if (labeledDelta != 0)
        {
            db.MarkProjectChanged(projectId);
            statements.Add((MoveLabeledCountSql, [("delta", labeledDelta), ("project", projectId)]));
        }
        statements.Add((
            """
            SELECT count(*) FILTER (WHERE a."CreatedUtc" >= @today), count(*),
                   (SELECT p."ItemCount" - p."LabeledCount" FROM "Projects" p WHERE p."Id" = @project)
            FROM "Annotations" a
            WHERE a."UserId" = @user AND a."ProjectId" = @project AND NOT a."WasSkipped"
            """, [("today", now.Date), ("user", userId), ("project", projectId)]));
        await using var batch = DatabaseDialect.Batch(db.Database, [.. statements]);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new AnnotatorProgress((int)reader.GetInt64(0), (int)reader.GetInt64(1), reader.IsDBNull(2) ? 0 : reader.GetInt32(2));
    }

    /// <summary>
    /// A project's annotations in id order, after <paramref name="afterId"/>. Admins and reviewers see everyone's;
    /// annotators see only their own, so no one is swayed by another's answer.
    /// </summary>
    public async Task<IReadOnlyList<AnnotationView>> ListAsync(
        Caller caller, int projectId, AnnotationFilter filter, long? afterId, int take, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var query = VisibleTo(caller, db.Annotations.AsNoTracking().Where(a => a.ProjectId == projectId));
        if (filter.ItemId is { } itemId)
        {
            query = query.Where(a => a.ItemId == itemId);
        }
        if (!string.IsNullOrEmpty(filter.UserId))
        {
            query = query.Where(a => a.UserId == filter.UserId);
        }
        if (!string.IsNullOrEmpty(filter.Label))
        {
            query = query.Where(a => a.Label == filter.Label);
        }
        if (filter.SinceUtc is { } since)
        {
            query = query.Where(a => a.CreatedUtc >= since);
        }
        if (afterId is { } after)
        {
            query = query.Where(a => a.Id > after);
        }
        return await Project(db, query, q => q.OrderBy(x => x.Annotation.Id).Take(take)).ToListAsync(cancellationToken);
    }

    /// <summary>One annotation, under the same visibility as <see cref="ListAsync"/>.</summary>
    public async Task<AnnotationView> GetAsync(Caller caller, int projectId, long annotationId, CancellationToken cancellationToken = default)
    {
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var query = VisibleTo(caller, db.Annotations.AsNoTracking().Where(a => a.ProjectId == projectId && a.Id == annotationId));
        return await Project(db, query, q => q).SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException($"Annotation {annotationId} is not in project {projectId}.");
    }

    private static IQueryable<Annotation> VisibleTo(Caller caller, IQueryable<Annotation> query) =>
        caller.IsAdmin || caller.IsReviewer ? query : query.Where(a => a.UserId == caller.UserId);

    private sealed class AnnotationRow
    {
        public required Annotation Annotation { get; init; }

        public string? Email { get; init; }
    }

    // Ordered and cut after the join, so the order is the one SQL returns.
    private static IQueryable<AnnotationView> Project(
        LabelLoopDbContext db, IQueryable<Annotation> query, Func<IQueryable<AnnotationRow>, IQueryable<AnnotationRow>> shape) =>
        shape(query.Join(db.Users, a => a.UserId, u => u.Id, (a, u) => new AnnotationRow { Annotation = a, Email = u.Email }))
            .Select(x => new AnnotationView(
                x.Annotation.Id, x.Annotation.ItemId, x.Annotation.ProjectId, x.Annotation.UserId, x.Email ?? "", x.Annotation.Label,
                x.Annotation.WasSkipped, x.Annotation.IsGroundTruth, x.Annotation.Comment, x.Annotation.LeadTimeSeconds,
                x.Annotation.ParentPredictionId, x.Annotation.CreatedUtc));

    private static async Task<Item> LockItemAsync(LabelLoopDbContext db, int projectId, long itemId, CancellationToken cancellationToken) =>
        await db.Items.LockedById(db, "Items", itemId).Where(i => i.ProjectId == projectId).SingleOrDefaultAsync(cancellationToken)
        ?? throw new NotFoundException($"Item {itemId} is not in project {projectId}.");

    /// <summary>Applies <see cref="ItemOutcome"/> to the locked item and moves the project's labeled counter with it.</summary>
    private static async Task<ItemStatus> RecomputeAsync(LabelLoopDbContext db, Item item, CancellationToken cancellationToken)
    {
        var overlap = await db.Projects.Where(p => p.Id == item.ProjectId).Select(p => p.Overlap).SingleAsync(cancellationToken);
        var answers = await db.Annotations.AsNoTracking().Where(a => a.ItemId == item.Id)
            .OrderBy(a => a.Id).Select(a => new { a.Label, a.WasSkipped, a.IsGroundTruth }).ToListAsync(cancellationToken);
        var reviewed = answers.LastOrDefault(a => a.IsGroundTruth)?.Label;
        var outcome = ItemOutcome.Decide(overlap, answers.Where(a => !a.IsGroundTruth).Select(a => a.WasSkipped ? null : a.Label).ToList(), reviewed);
        var wasLabeled = item.Status == ItemStatus.Labeled;
        item.Status = outcome.Status;
        item.FinalLabel = outcome.FinalLabel;
        item.AnnotationCount = outcome.LabelCount;
        await db.SaveChangesAsync(cancellationToken);
        var delta = (outcome.Status == ItemStatus.Labeled ? 1 : 0) - (wasLabeled ? 1 : 0);
        if (delta != 0)
        {
            db.MarkProjectChanged(item.ProjectId);
            await db.Projects.Where(p => p.Id == item.ProjectId)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.LabeledCount, p => p.LabeledCount + delta), cancellationToken);
        }
        return outcome.Status;
    }

    private static void RequireReviewer(Caller caller)
    {
        if (!caller.IsAdmin && !caller.IsReviewer)
        {
            throw new AccessDeniedException("Only reviewers and admins can review.");
        }
    }
}
