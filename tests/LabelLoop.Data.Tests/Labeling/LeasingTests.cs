using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Annotations;
using LabelLoop.Core.Items;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Data.Tests.Labeling;

public abstract class LeasingTests<TFixture>(TFixture f) : IClassFixture<TFixture>
    where TFixture : LabelingFixture
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Asking_again_returns_the_item_already_leased()
    {
        var project = await f.CreateProjectAsync(5);
        var ann = await f.MemberAsync(project);

        var first = await f.Leases.NextAsync(ann, project, 1, Cancel);
        var again = await f.Leases.NextAsync(ann, project, 1, Cancel);

        Assert.Single(first);
        Assert.Equal(first[0].ItemId, again[0].ItemId);
    }

    [Fact]
    public async Task Items_are_served_in_the_active_rankings_order_with_suggestion_and_reason()
    {
        var project = await f.CreateProjectAsync(4);
        var ann = await f.MemberAsync(project);
        await using (var db = f.Data.CreateContext())
        {
            var ids = await db.Items.Where(i => i.ProjectId == project).OrderBy(i => i.Id).Select(i => i.Id).ToListAsync(Cancel);
            var version = new Core.Models.ModelVersion { ProjectId = project, Version = 1, IsActive = true, Strategy = "margin" };
            db.ModelVersions.Add(version);
            await db.SaveChangesAsync(Cancel);
            // Rank 1 goes to the last item, rank 2 to the first; the other two are not ranked.
            const string reason = """{"strategy":"margin","top":[{"label":"b","p":0.45},{"label":"c","p":0.35}],"votes":"b 3, c 2"}""";
            db.Predictions.Add(Prediction(ids[3], version.Id, "b", [0.2f, 0.45f, 0.35f], 0.9, 1, reason));
            db.Predictions.Add(Prediction(ids[0], version.Id, "a", [0.6f, 0.3f, 0.1f], 0.5, 2, "{}"));
            await db.SaveChangesAsync(Cancel);

            var served = await f.Leases.NextAsync(ann, project, 3, Cancel);

            Assert.Equal([ids[3], ids[0]], served.Take(2).Select(i => i.ItemId));
            Assert.Contains(served[2].ItemId, new[] { ids[1], ids[2] });
            Assert.Equal(("b", 0.45f), (served[0].Suggestion!.Label, served[0].Suggestion!.Confidence));
            var why = served[0].Why!;
            Assert.Equal(("margin", 0.9, 1, "b 3, c 2"), (why.Strategy, why.Score, why.Rank, why.Votes));
            Assert.Equal(["b", "c"], why.Top.Select(t => t.Label));
            Assert.Null(served[2].Suggestion);
        }
    }

    [Fact]
    public async Task Before_the_first_model_the_cold_start_order_serves_first_and_says_why_and_a_model_replaces_it()
    {
        var project = await f.CreateProjectAsync(6);
        var ann = await f.MemberAsync(project);
        var other = await f.MemberAsync(project);
        List<long> ids;
        await using (var db = f.Data.CreateContext())
        {
            ids = await db.Items.Where(i => i.ProjectId == project).OrderBy(i => i.Id).Select(i => i.Id).ToListAsync(Cancel);
            // What the pretraining job writes: rank 1 to the fifth item, rank 2 to the second.
            await db.Items.Where(i => i.Id == ids[4]).ExecuteUpdateAsync(s => s.SetProperty(i => i.ColdStartRank, 1), Cancel);
            await db.Items.Where(i => i.Id == ids[1]).ExecuteUpdateAsync(s => s.SetProperty(i => i.ColdStartRank, 2), Cancel);
        }

        var served = await f.Leases.NextAsync(ann, project, 3, Cancel);

        Assert.Equal([ids[4], ids[1]], served.Take(2).Select(i => i.ItemId));
        var why = served[0].Why!;
        Assert.Equal(("typical", 1), (why.Strategy, why.Rank));
        Assert.Contains("No model yet", why.Note, StringComparison.Ordinal);
        Assert.Null(served[0].Suggestion);
        // Past the order, the pool in content-hash order, without a reason.
        Assert.DoesNotContain(served[2].ItemId, new[] { ids[4], ids[1] });
        Assert.Null(served[2].Why);

        // Once a model is active its ranking serves; a rank left from the cold start is no reason any more.
        var open = ids.Except(served.Select(i => i.ItemId)).ToList();
        await using (var db = f.Data.CreateContext())
        {
            var version = new Core.Models.ModelVersion { ProjectId = project, Version = 1, IsActive = true, Strategy = "margin" };
            db.ModelVersions.Add(version);
            await db.SaveChangesAsync(Cancel);
            db.Predictions.Add(Prediction(open[0], version.Id, "a", [0.5f, 0.3f, 0.2f], 0.7, 1, """{"strategy":"margin"}"""));
            await db.SaveChangesAsync(Cancel);
            await db.Items.Where(i => i.Id == open[1]).ExecuteUpdateAsync(s => s.SetProperty(i => i.ColdStartRank, 3), Cancel);
        }
        var afterModel = await f.Leases.NextAsync(other, project, 3, Cancel);

        Assert.Equal(open[0], afterModel[0].ItemId);
        Assert.Equal("margin", afterModel[0].Why!.Strategy);
        Assert.Equal(open.Skip(1).Order(), afterModel.Skip(1).Select(i => i.ItemId).Order());
        Assert.All(afterModel.Skip(1), item => Assert.Null(item.Why));
    }

    private static Core.Predictions.Prediction Prediction(long item, int version, string label, float[] probabilities, double score, int rank, string reason) =>
        new() { ItemId = item, ModelVersionId = version, Label = label, Probabilities = probabilities, Score = score, Rank = rank, ReasonJson = reason };

    [Fact]
    public async Task Two_annotators_never_get_the_same_item_with_overlap_one()
    {
        var project = await f.CreateProjectAsync(4);
        var a = await f.MemberAsync(project);
        var b = await f.MemberAsync(project);

        var forA = await f.Leases.NextAsync(a, project, 2, Cancel);
        var forB = await f.Leases.NextAsync(b, project, 2, Cancel);
        var forC = await f.Leases.NextAsync(await f.MemberAsync(project), project, 2, Cancel);

        Assert.Equal(2, forA.Count);
        Assert.Equal(2, forB.Count);
        Assert.Empty(forA.Select(i => i.ItemId).Intersect(forB.Select(i => i.ItemId)));
        Assert.Empty(forC);
    }

    [Fact]
    public async Task With_overlap_two_an_item_goes_to_two_distinct_annotators_only()
    {
        var project = await f.CreateProjectAsync(1, overlap: 2);
        var a = await f.MemberAsync(project);
        var b = await f.MemberAsync(project);
        var c = await f.MemberAsync(project);

        var forA = await f.Leases.NextAsync(a, project, 1, Cancel);
        var forB = await f.Leases.NextAsync(b, project, 1, Cancel);
        var forC = await f.Leases.NextAsync(c, project, 1, Cancel);

        Assert.Equal(forA[0].ItemId, forB[0].ItemId);
        Assert.Empty(forC);
        await f.Annotations.SubmitAsync(a, project, new SubmitAnnotation(forA[0].ItemId, "a"), Cancel);
        Assert.Empty(await f.Leases.NextAsync(a, project, 1, Cancel));
    }

    [Fact]
    public async Task An_expired_lease_returns_the_item_to_the_pool()
    {
        var project = await f.CreateProjectAsync(1);
        var a = await f.MemberAsync(project);
        var b = await f.MemberAsync(project);
        var leased = await f.Leases.NextAsync(a, project, 1, Cancel);
        Assert.Empty(await f.Leases.NextAsync(b, project, 1, Cancel));

        f.Clock.Advance(TimeSpan.FromMinutes(11));

        var forB = await f.Leases.NextAsync(b, project, 1, Cancel);
        Assert.Equal(leased[0].ItemId, Assert.Single(forB).ItemId);
    }

    [Fact]
    public async Task A_label_after_the_lease_expired_is_refused_once_someone_else_labeled_the_item()
    {
        var project = await f.CreateProjectAsync(1);
        var a = await f.MemberAsync(project);
        var b = await f.MemberAsync(project);
        var item = (await f.Leases.NextAsync(a, project, 1, Cancel))[0].ItemId;
        f.Clock.Advance(TimeSpan.FromMinutes(15));
        Assert.Equal(item, (await f.Leases.NextAsync(b, project, 1, Cancel))[0].ItemId);
        await f.Annotations.SubmitAsync(b, project, new SubmitAnnotation(item, "b"), Cancel);

        var late = await Assert.ThrowsAsync<ConflictException>(() => f.Annotations.SubmitAsync(a, project, new SubmitAnnotation(item, "b"), Cancel));

        Assert.Contains("already has the answers it needs", late.Message, StringComparison.Ordinal);
        await using var db = f.Data.CreateContext();
        Assert.Equal(1, await db.Annotations.CountAsync(x => x.ItemId == item, Cancel));
    }

    [Fact]
    public async Task A_label_after_the_lease_expired_is_refused_while_someone_else_holds_the_item()
    {
        var project = await f.CreateProjectAsync(1);
        var a = await f.MemberAsync(project);
        var b = await f.MemberAsync(project);
        var item = (await f.Leases.NextAsync(a, project, 1, Cancel))[0].ItemId;
        f.Clock.Advance(TimeSpan.FromMinutes(15));
        Assert.Equal(item, (await f.Leases.NextAsync(b, project, 1, Cancel))[0].ItemId);

        var late = await Assert.ThrowsAsync<ConflictException>(() => f.Annotations.SubmitAsync(a, project, new SubmitAnnotation(item, "a"), Cancel));

        Assert.Contains("leased to another annotator", late.Message, StringComparison.Ordinal);
        var answer = await f.Annotations.SubmitAsync(b, project, new SubmitAnnotation(item, "b"), Cancel);
        Assert.Equal(ItemStatus.Labeled, answer.ItemStatus);
    }

    [Fact]
    public async Task A_label_after_the_lease_expired_is_taken_as_a_fresh_lease_when_nobody_else_took_the_item()
    {
        var project = await f.CreateProjectAsync(1);
        var a = await f.MemberAsync(project);
        var item = (await f.Leases.NextAsync(a, project, 1, Cancel))[0].ItemId;
        f.Clock.Advance(TimeSpan.FromMinutes(15));

        var late = await f.Annotations.SubmitAsync(a, project, new SubmitAnnotation(item, "c"), Cancel);

        Assert.True(late.Created);
        Assert.Equal(ItemStatus.Labeled, late.ItemStatus);
        await using var db = f.Data.CreateContext();
        Assert.False(await db.ItemLeases.AnyAsync(l => l.ItemId == item, Cancel));
    }

    [Fact]
    public async Task A_non_member_is_refused()
    {
        var project = await f.CreateProjectAsync(1);
        var outsiderId = await f.Data.CreateUserAsync(Testing.LabelLoopDataFixture.UniqueEmail("outsider"));
        var outsider = new Core.Accounts.Caller(outsiderId, IsAdmin: false);

        await Assert.ThrowsAsync<AccessDeniedException>(() => f.Leases.NextAsync(outsider, project, 1, Cancel));
        await Assert.ThrowsAsync<AccessDeniedException>(() => f.Annotations.SubmitAsync(outsider, project, new SubmitAnnotation(1, "a"), Cancel));
    }

    [Fact]
    public async Task Parallel_calls_never_lease_past_the_label_budget()
    {
        const int annotators = 12, budget = 3;
        for (var round = 0; round < 3; round++)
        {
            var project = await f.CreateProjectAsync(annotators * 2);
            await using (var db = f.Data.CreateContext())
            {
                await db.Projects.Where(p => p.Id == project).ExecuteUpdateAsync(s => s.SetProperty(p => p.LabelBudget, budget), Cancel);
            }
            var callers = new List<Caller>();
            for (var i = 0; i < annotators; i++)
            {
                callers.Add(await f.MemberAsync(project));
            }

            var served = 0;
            await Parallel.ForAsync(0, annotators, new ParallelOptions { MaxDegreeOfParallelism = annotators, CancellationToken = Cancel }, async (i, ct) =>
                Interlocked.Add(ref served, (await f.Leases.NextAsync(callers[i], project, 1, ct)).Count));

            Assert.Equal(budget, served);
            await using var check = f.Data.CreateContext();
            Assert.Equal(budget, await check.ItemLeases.CountAsync(l => l.ProjectId == project, Cancel));
        }
    }

    [Fact]
    public async Task Nothing_is_served_once_the_label_budget_is_used_and_live_leases_count_against_it()
    {
        var project = await f.CreateProjectAsync(5);
        await using (var db = f.Data.CreateContext())
        {
            await db.Projects.Where(p => p.Id == project).ExecuteUpdateAsync(s => s.SetProperty(p => p.LabelBudget, 2), Cancel);
        }
        var a = await f.MemberAsync(project);
        var b = await f.MemberAsync(project);
        var c = await f.MemberAsync(project);

        // A skip is not a label: it leaves the budget alone.
        var skipped = Assert.Single(await f.Leases.NextAsync(a, project, 1, Cancel)).ItemId;
        await f.Annotations.SubmitAsync(a, project, new SubmitAnnotation(skipped, null, Skip: true), Cancel);

        // Two labels left: two leases at most, and none for anyone else while they are live.
        var leased = await f.Leases.NextAsync(a, project, 3, Cancel);
        Assert.Equal(2, leased.Count);
        Assert.Empty(await f.Leases.NextAsync(b, project, 1, Cancel));

        await f.Annotations.SubmitAsync(a, project, new SubmitAnnotation(leased[0].ItemId, "a"), Cancel);
        Assert.Empty(await f.Leases.NextAsync(c, project, 1, Cancel));

        var round = await f.Annotations.SubmitAndNextAsync(a, project, new SubmitAnnotation(leased[1].ItemId, "b"), 2, Cancel);
        Assert.True(round.Submitted.Created);
        Assert.Empty(round.Next);
        Assert.Empty(await f.Leases.NextAsync(b, project, 1, Cancel));
    }

    [Fact]
    public async Task Label_and_next_stores_the_label_and_leases_the_next_items_in_one_call()
    {
        var project = await f.CreateProjectAsync(4);
        var a = await f.MemberAsync(project);
        var shown = await f.Leases.NextAsync(a, project, 2, Cancel);

        var round = await f.Annotations.SubmitAndNextAsync(a, project, new SubmitAnnotation(shown[0].ItemId, "a", IdempotencyKey: "k1"), 2, Cancel);
        var again = await f.Annotations.SubmitAndNextAsync(a, project, new SubmitAnnotation(shown[0].ItemId, "a", IdempotencyKey: "k1"), 2, Cancel);

        Assert.True(round.Submitted.Created);
        Assert.Equal(ItemStatus.Labeled, round.Submitted.ItemStatus);
        Assert.Equal(shown[1].ItemId, round.Next[0].ItemId);
        Assert.Equal(2, round.Next.Count);
        Assert.DoesNotContain(round.Next, i => i.ItemId == shown[0].ItemId);
        Assert.Equal((1, 1), (round.Progress.LabeledToday, round.Progress.LabeledTotal));
        Assert.False(again.Submitted.Created);
        Assert.Equal(round.Submitted.AnnotationId, again.Submitted.AnnotationId);
        Assert.Equal(round.Next.Select(i => i.ItemId), again.Next.Select(i => i.ItemId));
    }

    [Fact]
    public async Task A_removed_member_is_refused_at_once()
    {
        var project = await f.CreateProjectAsync(2);
        var a = await f.MemberAsync(project);
        Assert.Single(await f.Leases.NextAsync(a, project, 1, Cancel));

        await f.Projects.RemoveMemberAsync(Core.Accounts.Caller.System, project, a.UserId, Cancel);

        await Assert.ThrowsAsync<AccessDeniedException>(() => f.Leases.NextAsync(a, project, 1, Cancel));
    }

    [Fact]
    public async Task Parallel_annotators_label_every_item_exactly_once()
    {
        const int items = 60, annotators = 12;
        var project = await f.CreateProjectAsync(items);
        var callers = new List<Core.Accounts.Caller>();
        for (var i = 0; i < annotators; i++)
        {
            callers.Add(await f.MemberAsync(project));
        }

        var served = new System.Collections.Concurrent.ConcurrentBag<long>();
        await Parallel.ForEachAsync(callers, new ParallelOptions { MaxDegreeOfParallelism = annotators, CancellationToken = Cancel }, async (caller, ct) =>
        {
            while (true)
            {
                var next = await f.Leases.NextAsync(caller, project, 1, ct);
                if (next.Count == 0)
                {
                    return;
                }
                served.Add(next[0].ItemId);
                await f.Annotations.SubmitAsync(caller, project, new SubmitAnnotation(next[0].ItemId, "a", IdempotencyKey: $"k-{next[0].ItemId}"), ct);
            }
        });

        Assert.Equal(items, served.Count);
        Assert.Equal(items, served.Distinct().Count());
        await using var db = f.Data.CreateContext();
        Assert.Equal(items, await db.Annotations.CountAsync(a => a.ProjectId == project, Cancel));
        Assert.Equal(items, await db.Items.CountAsync(i => i.ProjectId == project && i.Status == ItemStatus.Labeled, Cancel));
        Assert.Equal(items, await db.Projects.Where(p => p.Id == project).Select(p => p.LabeledCount).SingleAsync(Cancel));
    }
}

/// <summary>The tests above on the default provider (SQLite).</summary>
public sealed class LeasingTests(LabelingFixture f) : LeasingTests<LabelingFixture>(f);

/// <summary>The tests above on PostgreSQL.</summary>
public sealed class LeasingTestsOnPostgres(PostgresLabelingFixture f) : LeasingTests<PostgresLabelingFixture>(f);
