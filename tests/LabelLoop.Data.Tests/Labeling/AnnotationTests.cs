using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Annotations;
using LabelLoop.Core.Items;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Data.Tests.Labeling;

public abstract class AnnotationTests<TFixture>(TFixture f) : IClassFixture<TFixture>
    where TFixture : LabelingFixture
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<(int Project, Caller Annotator, long Item)> OneLeasedItemAsync(int overlap = 1)
    {
        var project = await f.CreateProjectAsync(3, overlap);
        var annotator = await f.MemberAsync(project);
        var item = (await f.Leases.NextAsync(annotator, project, 1, Cancel))[0].ItemId;
        return (project, annotator, item);
    }

    [Fact]
    public async Task Submit_labels_the_item_and_counts_it_in_the_same_transaction()
    {
        var (project, ann, item) = await OneLeasedItemAsync();
        f.Clock.Advance(TimeSpan.FromSeconds(7));

        var result = await f.Annotations.SubmitAsync(ann, project, new SubmitAnnotation(item, "b"), Cancel);

        Assert.True(result.Created);
        Assert.Equal(ItemStatus.Labeled, result.ItemStatus);
        await using var db = f.Data.CreateContext();
        var stored = await db.Items.SingleAsync(i => i.Id == item, Cancel);
        Assert.Equal(("b", 1), (stored.FinalLabel, stored.AnnotationCount));
        Assert.Equal(1, await db.Projects.Where(p => p.Id == project).Select(p => p.LabeledCount).SingleAsync(Cancel));
        var annotation = await db.Annotations.SingleAsync(a => a.ItemId == item, Cancel);
        Assert.Equal(7, annotation.LeadTimeSeconds, 3);
        Assert.False(await db.ItemLeases.AnyAsync(l => l.ItemId == item, Cancel));
    }

    [Fact]
    public async Task One_annotator_holds_several_leases_in_order_and_answering_them_out_of_turn_keeps_the_rest()
    {
        // The workspace holds the current item and the next ones, and asks again for as many as it holds plus more.
        var project = await f.CreateProjectAsync(8, 1);
        var annotator = await f.MemberAsync(project);
        var other = await f.MemberAsync(project);

        var held = (await f.Leases.NextAsync(annotator, project, 3, Cancel)).Select(i => i.ItemId).ToList();
        await f.Annotations.SubmitAsync(annotator, project, new SubmitAnnotation(held[0], "a", IdempotencyKey: "ws-1"), Cancel);
        var again = (await f.Leases.NextAsync(annotator, project, 4, Cancel)).Select(i => i.ItemId).ToList();
        var others = (await f.Leases.NextAsync(other, project, 8, Cancel)).Select(i => i.ItemId).ToList();

        Assert.Equal(3, held.Distinct().Count());
        Assert.Equal(held[1..], again[..2]);
        Assert.Equal(4, again.Distinct().Count());
        Assert.DoesNotContain(held[0], again);
        Assert.Empty(others.Intersect(again));
        Assert.Equal(8 - 1 - 4, others.Count);
    }

    [Fact]
    public async Task A_double_submit_and_a_retried_key_store_one_annotation()
    {
        var (project, ann, item) = await OneLeasedItemAsync();

        var first = await f.Annotations.SubmitAsync(ann, project, new SubmitAnnotation(item, "a", IdempotencyKey: "key-1"), Cancel);
        var repeat = await f.Annotations.SubmitAsync(ann, project, new SubmitAnnotation(item, "a"), Cancel);
        var retried = await f.Annotations.SubmitAsync(ann, project, new SubmitAnnotation(item, "c", IdempotencyKey: "key-1"), Cancel);

        Assert.True(first.Created);
        Assert.False(repeat.Created);
        Assert.False(retried.Created);
        Assert.Equal(first.AnnotationId, retried.AnnotationId);
        await using var db = f.Data.CreateContext();
        Assert.Equal(1, await db.Annotations.CountAsync(a => a.ItemId == item, Cancel));
    }

    [Fact]
    public async Task An_unknown_label_is_refused_and_nothing_is_stored()
    {
        var (project, ann, item) = await OneLeasedItemAsync();

        var ex = await Assert.ThrowsAsync<DomainValidationException>(() =>
            f.Annotations.SubmitAsync(ann, project, new SubmitAnnotation(item, "zebra"), Cancel));

        Assert.Contains("zebra", ex.Message, StringComparison.Ordinal);
        await using var db = f.Data.CreateContext();
        Assert.False(await db.Annotations.AnyAsync(a => a.ItemId == item, Cancel));
    }

    [Fact]
    public async Task Undo_removes_the_label_and_serves_the_item_again_first()
    {
        var (project, ann, item) = await OneLeasedItemAsync();
        var result = await f.Annotations.SubmitAsync(ann, project, new SubmitAnnotation(item, "a"), Cancel);
        await f.Leases.NextAsync(ann, project, 2, Cancel);

        var undone = await f.Annotations.UndoAsync(ann, project, result.AnnotationId, Cancel);

        Assert.Equal(item, undone);
        Assert.Equal(item, (await f.Leases.NextAsync(ann, project, 1, Cancel))[0].ItemId);
        await using var db = f.Data.CreateContext();
        var stored = await db.Items.SingleAsync(i => i.Id == item, Cancel);
        Assert.Equal((ItemStatus.Unlabeled, (string?)null), (stored.Status, stored.FinalLabel));
        Assert.Equal(0, await db.Projects.Where(p => p.Id == project).Select(p => p.LabeledCount).SingleAsync(Cancel));
    }

    [Fact]
    public async Task Only_your_own_recent_label_can_be_undone()
    {
        var (project, ann, item) = await OneLeasedItemAsync();
        var other = await f.MemberAsync(project);
        var result = await f.Annotations.SubmitAsync(ann, project, new SubmitAnnotation(item, "a"), Cancel);

        await Assert.ThrowsAsync<AccessDeniedException>(() => f.Annotations.UndoAsync(other, project, result.AnnotationId, Cancel));
        f.Clock.Advance(TimeSpan.FromHours(2));
        await Assert.ThrowsAsync<DomainValidationException>(() => f.Annotations.UndoAsync(ann, project, result.AnnotationId, Cancel));
    }

    [Fact]
    public async Task The_review_queue_shows_external_ids_to_admins_only()
    {
        var (project, a, item) = await OneLeasedItemAsync(overlap: 2);
        var b = await f.MemberAsync(project);
        Assert.Equal(item, (await f.Leases.NextAsync(b, project, 1, Cancel))[0].ItemId);
        await f.Annotations.SubmitAsync(a, project, new SubmitAnnotation(item, "a"), Cancel);
        await f.Annotations.SubmitAsync(b, project, new SubmitAnnotation(item, "b"), Cancel);
        var reviewer = await f.MemberAsync(project, Roles.Reviewer);
        await using var db = f.Data.CreateContext();
        var externalId = await db.Items.Where(i => i.Id == item).Select(i => i.ExternalId).SingleAsync(Cancel);

        var asReviewer = Assert.Single(await f.Annotations.ReviewQueueAsync(reviewer, project, cancellationToken: Cancel));
        var asAdmin = Assert.Single(await f.Annotations.ReviewQueueAsync(Caller.System, project, cancellationToken: Cancel));

        Assert.Null(asReviewer.ExternalId);
        Assert.Equal(2, asReviewer.Answers.Count);
        Assert.Equal(externalId, asAdmin.ExternalId);
    }

    [Fact]
    public async Task Disagreement_with_overlap_two_goes_to_review_and_the_reviewer_decides()
    {
        var (project, a, item) = await OneLeasedItemAsync(overlap: 2);
        var b = await f.MemberAsync(project);
        Assert.Equal(item, (await f.Leases.NextAsync(b, project, 1, Cancel))[0].ItemId);
        await f.Annotations.SubmitAsync(a, project, new SubmitAnnotation(item, "a"), Cancel);
        var second = await f.Annotations.SubmitAsync(b, project, new SubmitAnnotation(item, "b"), Cancel);
        Assert.Equal(ItemStatus.InReview, second.ItemStatus);
        var reviewer = await f.MemberAsync(project, Roles.Reviewer);

        var queue = await f.Annotations.ReviewQueueAsync(reviewer, project, cancellationToken: Cancel);
        var entry = Assert.Single(queue);
        Assert.Equal(["a", "b"], entry.Answers.Select(x => x.Label).Order());
        await Assert.ThrowsAsync<AccessDeniedException>(() => f.Annotations.ReviewQueueAsync(a, project, cancellationToken: Cancel));

        await f.Annotations.ResolveAsync(reviewer, project, item, "b", Cancel);

        Assert.Empty(await f.Annotations.ReviewQueueAsync(reviewer, project, cancellationToken: Cancel));
        await using var db = f.Data.CreateContext();
        var stored = await db.Items.SingleAsync(i => i.Id == item, Cancel);
        Assert.Equal((ItemStatus.Labeled, "b"), (stored.Status, stored.FinalLabel));
        Assert.Equal(1, await db.Projects.Where(p => p.Id == project).Select(p => p.LabeledCount).SingleAsync(Cancel));
    }

    [Fact]
    public async Task A_skip_hides_the_item_from_that_annotator_but_keeps_it_in_the_pool()
    {
        var (project, a, item) = await OneLeasedItemAsync();
        var b = await f.MemberAsync(project);

        var skipped = await f.Annotations.SubmitAsync(a, project, new SubmitAnnotation(item, null, Skip: true, Comment: "blurry"), Cancel);

        Assert.Equal(ItemStatus.Unlabeled, skipped.ItemStatus);
        Assert.DoesNotContain(item, (await f.Leases.NextAsync(a, project, 3, Cancel)).Select(i => i.ItemId));
        Assert.Contains(item, (await f.Leases.NextAsync(b, project, 3, Cancel)).Select(i => i.ItemId));
    }
}

/// <summary>The tests above on the default provider (SQLite).</summary>
public sealed class AnnotationTests(LabelingFixture f) : AnnotationTests<LabelingFixture>(f);

/// <summary>The tests above on PostgreSQL.</summary>
public sealed class AnnotationTestsOnPostgres(PostgresLabelingFixture f) : AnnotationTests<PostgresLabelingFixture>(f);
