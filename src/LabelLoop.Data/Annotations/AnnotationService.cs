using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Annotations;
using LabelLoop.Core.Items;
using LabelLoop.Data.Items;
using LabelLoop.Data.Projects;
using LabelLoop.Data.Webhooks;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LabelLoop.Data.Annotations;

/// <summary>
/// Labels, skips, undo and review. Each call locks the item row, stores the answer, recomputes the item's
/// state with <see cref="ItemOutcome"/> and updates the counters in one transaction, so a label is durable
/// when the call returns and repeated submits are harmless.
/// </summary>
public sealed class AnnotationService(IDbContextFactory<LabelLoopDbContext> contextFactory, ProjectService projects, TimeProvider time)
{
    /// <summary>How long after labeling an annotator may still take the label back.</summary>
    public static readonly TimeSpan UndoWindow = TimeSpan.FromHours(1);

    public async Task<SubmitResult> SubmitAsync(Caller caller, int projectId, SubmitAnnotation request, CancellationToken cancellationToken = default)
    {
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        if (request.IdempotencyKey is { Length: > 100 })
        {
            throw new DomainValidationException("idempotencyKey", "Idempotency keys are at most 100 characters.");
        }
        if (request.Comment is { Length: > 2000 })
        {
            throw new DomainValidationException("comment", "Comments are at most 2000 characters.");
        }
        try
        {
            return await SubmitOnceAsync(caller, projectId, request, cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Two retries with one idempotency key raced past the check: the first one won; report it.
            await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
            var existing = await db.Annotations.AsNoTracking()
                .Where(a => a.UserId == caller.UserId && a.IdempotencyKey == request.IdempotencyKey)
                .Select(a => new { a.Id, a.ItemId }).SingleAsync(cancellationToken);
            var status = await db.Items.Where(i => i.Id == existing.ItemId).Select(i => i.Status).SingleAsync(cancellationToken);
            return new SubmitResult(existing.Id, false, status);
        }
    }

    private async Task<SubmitResult> SubmitOnceAsync(Caller caller, int projectId, SubmitAnnotation request, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var item = await LockItemAsync(db, projectId, request.ItemId, cancellationToken);

        // The same key, or the same annotator on the same item: a double key press or a retried request.
        var key = request.IdempotencyKey;
        var previous = await db.Annotations.AsNoTracking()
            .Where(a => a.UserId == caller.UserId && !a.IsGroundTruth && (a.ItemId == item.Id || (key != null && a.IdempotencyKey == key)))
            .OrderBy(a => a.Id).Select(a => (long?)a.Id).FirstOrDefaultAsync(cancellationToken);
        if (previous is { } existingId)
        {
            return new SubmitResult(existingId, false, item.Status);
        }

        string? label = null;
        if (!request.Skip)
        {
            label = request.Label?.Trim();
            if (string.IsNullOrEmpty(label))
            {
                throw new DomainValidationException("label", "A label is required (or skip the item).");
            }
            if (!await db.LabelClasses.AnyAsync(l => l.ProjectId == projectId && l.Name == label, cancellationToken))
            {
                throw new DomainValidationException("label", $"'{label}' is not a label of this project.");
            }
        }

        var now = time.GetUtcNow().UtcDateTime;
        var lease = await db.ItemLeases.SingleOrDefaultAsync(l => l.ItemId == item.Id && l.UserId == caller.UserId, cancellationToken);
        var leadTime = request.LeadTimeSeconds ?? (lease is null ? 0 : (now - lease.LeasedUtc).TotalSeconds);
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
        db.Annotations.Add(annotation);
        if (lease is not null)
        {
            db.ItemLeases.Remove(lease);
        }
        await db.SaveChangesAsync(cancellationToken);
        var status = await RecomputeAsync(db, item, cancellationToken);
        await WebhookOutbox.AnnotationCreatedAsync(db, annotation, item, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new SubmitResult(annotation.Id, true, status);
    }

    /// <summary>
    /// Takes back the caller's own answer (within <see cref="UndoWindow"/>, before review) and leases the item to
    /// them again so it is shown next. Returns the item id.
    /// </summary>
    public async Task<long> UndoAsync(Caller caller, int projectId, long annotationId, CancellationToken cancellationToken = default)
    {
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
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
        return items.Select(i => new ReviewItem(i.Id, i.ExternalId, i.Text,
                i.BlobHash is null ? null : ItemLeaseService.ContentUrl(projectId, i.Id),
                answers[i.Id].Select(a => new ReviewAnswer(a.Email ?? "", a.Label, a.CreatedUtc)).ToList()))
            .ToList();
    }

    /// <summary>A reviewer's final label: stored as a ground-truth annotation; the item becomes Labeled.</summary>
    public async Task ResolveAsync(Caller caller, int projectId, long itemId, string label, CancellationToken cancellationToken = default)
    {
        RequireReviewer(caller);
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
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
        var today = time.GetUtcNow().UtcDateTime.Date;
        var mine = db.Annotations.Where(a => a.ProjectId == projectId && a.UserId == caller.UserId && !a.WasSkipped);
        var labeledToday = await mine.CountAsync(a => a.CreatedUtc >= today, cancellationToken);
        var total = await mine.CountAsync(cancellationToken);
        // From the project's counters: counting open items would scan the pool on every label.
        var remaining = await db.Projects.Where(p => p.Id == projectId).Select(p => p.ItemCount - p.LabeledCount).SingleAsync(cancellationToken);
        return new AnnotatorProgress(labeledToday, total, remaining);
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
        await db.Items.FromSql($"""SELECT * FROM "Items" WHERE "Id" = {itemId} AND "ProjectId" = {projectId} FOR UPDATE""")
            .SingleOrDefaultAsync(cancellationToken)
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
