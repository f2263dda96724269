using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Annotations;
using LabelLoop.Core.Items;
using LabelLoop.Testing;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Data.Tests.Labeling;

/// <summary>Answers are stored only from the caller's lease, within the item's overlap and the project's label budget.</summary>
public sealed class AnswerAdmissionTests(LabelingFixture f) : IClassFixture<LabelingFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<int> AnswersAsync(long itemId)
    {
        await using var db = f.Data.CreateContext();
        return await db.Annotations.CountAsync(a => a.ItemId == itemId, Cancel);
    }

    private async Task SetBudgetAsync(int project, int budget)
    {
        await using var db = f.Data.CreateContext();
        await db.Projects.Where(p => p.Id == project).ExecuteUpdateAsync(s => s.SetProperty(p => p.LabelBudget, budget), Cancel);
    }

    private async Task<List<long>> ItemIdsAsync(int project)
    {
        await using var db = f.Data.CreateContext();
        return await db.Items.Where(i => i.ProjectId == project).OrderBy(i => i.Id).Select(i => i.Id).ToListAsync(Cancel);
    }

    [Fact]
    public async Task An_item_leased_to_another_annotator_is_refused_and_nothing_is_stored()
    {
        var project = await f.CreateProjectAsync(2);
        var a = await f.MemberAsync(project);
        var b = await f.MemberAsync(project);
        var item = (await f.Leases.NextAsync(a, project, 1, Cancel))[0].ItemId;

        var refused = await Assert.ThrowsAsync<ConflictException>(() => f.Annotations.SubmitAsync(b, project, new SubmitAnnotation(item, "b"), Cancel));
        var skip = await Assert.ThrowsAsync<ConflictException>(() =>
            f.Annotations.SubmitAsync(b, project, new SubmitAnnotation(item, null, Skip: true), Cancel));

        Assert.Equal($"Item {item} is leased to another annotator.", refused.Message);
        Assert.Equal(refused.Message, skip.Message);
        Assert.Equal(0, await AnswersAsync(item));
        Assert.True((await f.Annotations.SubmitAsync(a, project, new SubmitAnnotation(item, "a"), Cancel)).Created);
    }

    [Fact]
    public async Task An_item_the_queue_never_served_to_the_caller_is_refused()
    {
        var project = await f.CreateProjectAsync(2);
        var a = await f.MemberAsync(project);
        var item = (await ItemIdsAsync(project))[0];

        var refused = await Assert.ThrowsAsync<ConflictException>(() => f.Annotations.SubmitAsync(a, project, new SubmitAnnotation(item, "a"), Cancel));

        Assert.Contains("not leased to you", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, await AnswersAsync(item));
    }

    [Fact]
    public async Task An_item_that_has_its_answers_takes_no_more_even_from_a_live_lease()
    {
        var project = await f.CreateProjectAsync(1);
        var a = await f.MemberAsync(project);
        var b = await f.MemberAsync(project);
        var c = await f.MemberAsync(project);
        var item = (await f.Leases.NextAsync(a, project, 1, Cancel))[0].ItemId;
        await f.Annotations.SubmitAsync(a, project, new SubmitAnnotation(item, "a"), Cancel);
        // A lease the queue would not grant any more (the item is labeled): the overlap still holds.
        await f.Data.Database.LeaseAsync(project, c.UserId, item, f.Clock);

        var forB = await Assert.ThrowsAsync<ConflictException>(() => f.Annotations.SubmitAsync(b, project, new SubmitAnnotation(item, "b"), Cancel));
        var forC = await Assert.ThrowsAsync<ConflictException>(() => f.Annotations.SubmitAsync(c, project, new SubmitAnnotation(item, "c"), Cancel));

        Assert.Equal($"Item {item} already has the answers it needs (it is labeled).", forB.Message);
        Assert.Equal(forB.Message, forC.Message);
        Assert.Equal(1, await AnswersAsync(item));
    }

    [Fact]
    public async Task With_overlap_two_the_item_takes_two_labels_and_refuses_a_third()
    {
        var project = await f.CreateProjectAsync(1, overlap: 2);
        var a = await f.MemberAsync(project);
        var b = await f.MemberAsync(project);
        var c = await f.MemberAsync(project);
        var item = (await f.Leases.NextAsync(a, project, 1, Cancel))[0].ItemId;
        Assert.Equal(item, (await f.Leases.NextAsync(b, project, 1, Cancel))[0].ItemId);

        var both = await Assert.ThrowsAsync<ConflictException>(() => f.Annotations.SubmitAsync(c, project, new SubmitAnnotation(item, "a"), Cancel));
        await f.Annotations.SubmitAsync(a, project, new SubmitAnnotation(item, "a"), Cancel);
        var second = await f.Annotations.SubmitAsync(b, project, new SubmitAnnotation(item, "b"), Cancel);
        var third = await Assert.ThrowsAsync<ConflictException>(() => f.Annotations.SubmitAsync(c, project, new SubmitAnnotation(item, "a"), Cancel));

        Assert.Contains("leased to another annotator", both.Message, StringComparison.Ordinal);
        Assert.Equal(ItemStatus.InReview, second.ItemStatus);
        Assert.Equal($"Item {item} already has the answers it needs (it is waiting for a reviewer).", third.Message);
        Assert.Equal(2, await AnswersAsync(item));
        // The reviewer's decision keeps its own path.
        await f.Annotations.ResolveAsync(await f.MemberAsync(project, Roles.Reviewer), project, item, "a", Cancel);
        Assert.Equal(3, await AnswersAsync(item));
    }

    [Fact]
    public async Task Labels_past_the_budget_are_refused_even_from_live_leases_but_skips_are_not()
    {
        var project = await f.CreateProjectAsync(6);
        await SetBudgetAsync(project, 2);
        var a = await f.MemberAsync(project);
        var items = await ItemIdsAsync(project);
        // More leases than the budget allows (granted before it was set, say): the budget still holds.
        await f.Data.Database.LeaseAsync(project, a.UserId, items, f.Clock);

        await f.Annotations.SubmitAsync(a, project, new SubmitAnnotation(items[0], "a"), Cancel);
        await f.Annotations.SubmitAsync(a, project, new SubmitAnnotation(items[1], "b"), Cancel);
        var third = await Assert.ThrowsAsync<ConflictException>(() => f.Annotations.SubmitAsync(a, project, new SubmitAnnotation(items[2], "a"), Cancel));
        var round = await Assert.ThrowsAsync<ConflictException>(() =>
            f.Annotations.SubmitAndNextAsync(a, project, new SubmitAnnotation(items[3], "a"), 2, Cancel));
        var skipped = await f.Annotations.SubmitAsync(a, project, new SubmitAnnotation(items[4], null, Skip: true), Cancel);

        Assert.Equal("The project's label budget is spent (2 labels).", third.Message);
        Assert.Equal(third.Message, round.Message);
        Assert.True(skipped.Created);
        await using var db = f.Data.CreateContext();
        Assert.Equal(2, await db.Annotations.CountAsync(x => x.ProjectId == project && !x.WasSkipped, Cancel));
    }

    [Fact]
    public async Task A_fresh_lease_is_refused_when_the_rest_of_the_budget_is_leased_to_others()
    {
        var project = await f.CreateProjectAsync(3);
        await SetBudgetAsync(project, 1);
        var a = await f.MemberAsync(project);
        var b = await f.MemberAsync(project);
        var mine = (await f.Leases.NextAsync(a, project, 1, Cancel))[0].ItemId;
        f.Clock.Advance(TimeSpan.FromMinutes(15));
        // a's lease ran out; b now holds the one label the budget has left, on another item.
        var theirs = (await ItemIdsAsync(project)).First(i => i != mine);
        await f.Data.Database.LeaseAsync(project, b.UserId, theirs, f.Clock);
        Assert.Empty(await f.Leases.NextAsync(a, project, 1, Cancel));

        var late = await Assert.ThrowsAsync<ConflictException>(() => f.Annotations.SubmitAsync(a, project, new SubmitAnnotation(mine, "a"), Cancel));

        Assert.Equal("The rest of the project's label budget is leased to other annotators.", late.Message);
        Assert.True((await f.Annotations.SubmitAsync(b, project, new SubmitAnnotation(theirs, "b"), Cancel)).Created);
    }

    [Fact]
    public async Task Parallel_labels_never_pass_the_budget()
    {
        const int annotators = 8, budget = 3;
        var project = await f.CreateProjectAsync(annotators);
        await SetBudgetAsync(project, budget);
        var items = await ItemIdsAsync(project);
        var callers = new List<Caller>();
        for (var i = 0; i < annotators; i++)
        {
            callers.Add(await f.MemberAsync(project));
            await f.Data.Database.LeaseAsync(project, callers[i].UserId, items[i], f.Clock);
        }

        var refused = 0;
        await Parallel.ForAsync(0, annotators, new ParallelOptions { MaxDegreeOfParallelism = annotators, CancellationToken = Cancel }, async (i, ct) =>
        {
            try
            {
                await f.Annotations.SubmitAsync(callers[i], project, new SubmitAnnotation(items[i], "a"), ct);
            }
            catch (ConflictException)
            {
                Interlocked.Increment(ref refused);
            }
        });

        Assert.Equal(annotators - budget, refused);
        await using var db = f.Data.CreateContext();
        Assert.Equal(budget, await db.Annotations.CountAsync(x => x.ProjectId == project, Cancel));
        Assert.Equal(budget, await db.Projects.Where(p => p.Id == project).Select(p => p.LabeledCount).SingleAsync(Cancel));
    }

    [Fact]
    public async Task Label_and_next_applies_the_same_check_and_stores_nothing_when_refused()
    {
        var project = await f.CreateProjectAsync(3);
        var a = await f.MemberAsync(project);
        var b = await f.MemberAsync(project);
        var item = (await f.Leases.NextAsync(a, project, 1, Cancel))[0].ItemId;

        var refused = await Assert.ThrowsAsync<ConflictException>(() =>
            f.Annotations.SubmitAndNextAsync(b, project, new SubmitAnnotation(item, "b"), 2, Cancel));

        Assert.Contains("leased to another annotator", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, await AnswersAsync(item));
        await using var db = f.Data.CreateContext();
        Assert.False(await db.ItemLeases.AnyAsync(l => l.UserId == b.UserId, Cancel));
    }

    [Fact]
    public async Task An_idempotency_key_used_in_another_project_is_a_conflict_naming_the_key()
    {
        var first = await f.CreateProjectAsync(1);
        var second = await f.CreateProjectAsync(1);
        var a = await f.MemberAsync(first);
        await f.Projects.AddMemberAsync(Caller.System, second, a.UserId, Cancel);
        var one = (await f.Leases.NextAsync(a, first, 1, Cancel))[0].ItemId;
        var two = (await f.Leases.NextAsync(a, second, 1, Cancel))[0].ItemId;
        await f.Annotations.SubmitAsync(a, first, new SubmitAnnotation(one, "a", IdempotencyKey: "shared-key"), Cancel);

        var reused = await Assert.ThrowsAsync<ConflictException>(() =>
            f.Annotations.SubmitAsync(a, second, new SubmitAnnotation(two, "a", IdempotencyKey: "shared-key"), Cancel));
        var replay = await f.Annotations.SubmitAsync(a, first, new SubmitAnnotation(one, "a", IdempotencyKey: "shared-key"), Cancel);

        Assert.Contains("'shared-key' was already used for another request", reused.Message, StringComparison.Ordinal);
        Assert.Equal(0, await AnswersAsync(two));
        Assert.False(replay.Created);
    }
}
