using LabelLoop.Core.Annotations;
using LabelLoop.Core.Items;
using LabelLoop.Data.Annotations;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Data.Tests.Labeling;

public sealed class LabelingGateTests(LabelingFixture f) : IClassFixture<LabelingFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_full_gate_holds_the_next_caller_until_a_slot_is_given_back()
    {
        var gate = new LabelingGate(2);
        var first = await gate.EnterAsync(Cancel);
        var second = await gate.EnterAsync(Cancel);

        var third = gate.EnterAsync(Cancel).AsTask();
        await Task.Delay(50, Cancel);
        Assert.False(third.IsCompleted);

        first.Dispose();
        (await third.WaitAsync(TimeSpan.FromSeconds(5), Cancel)).Dispose();
        second.Dispose();
    }

    [Fact]
    public async Task A_waiting_caller_can_be_cancelled_and_the_unlimited_gate_never_waits()
    {
        var gate = new LabelingGate(1);
        using var held = await gate.EnterAsync(Cancel);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await gate.EnterAsync(cancel.Token));

        var slots = new List<LabelingGate.Slot>();
        for (var i = 0; i < 100; i++)
        {
            slots.Add(await LabelingGate.Unlimited.EnterAsync(Cancel));
        }
        Assert.Equal(0, LabelingGate.Unlimited.Slots);
    }

    [Fact]
    public async Task Many_annotators_through_a_narrow_gate_store_every_label_once_and_the_counter_agrees()
    {
        const int annotators = 12, rounds = 5;
        var project = await f.CreateProjectAsync(annotators * (rounds + 2));
        var callers = new List<Core.Accounts.Caller>();
        for (var i = 0; i < annotators; i++)
        {
            callers.Add(await f.MemberAsync(project));
        }

        var labeled = await Task.WhenAll(callers.Select(async caller =>
        {
            var ids = new List<long>();
            var shown = await f.Leases.NextAsync(caller, project, 2, Cancel);
            for (var r = 0; r < rounds; r++)
            {
                var round = await f.Annotations.SubmitAndNextAsync(caller, project, new SubmitAnnotation(shown[0].ItemId, "a"), 2, Cancel);
                Assert.True(round.Submitted.Created);
                ids.Add(shown[0].ItemId);
                shown = round.Next;
            }
            return ids;
        }));

        var all = labeled.SelectMany(x => x).ToList();
        Assert.Equal(annotators * rounds, all.Distinct().Count());
        await using var db = f.Data.CreateContext();
        Assert.Equal(all.Count, await db.Annotations.CountAsync(a => a.ProjectId == project, Cancel));
        var counted = await db.Projects.Where(p => p.Id == project).Select(p => p.LabeledCount).SingleAsync(Cancel);
        Assert.Equal(await db.Items.CountAsync(i => i.ProjectId == project && i.Status == ItemStatus.Labeled, Cancel), counted);
        Assert.Equal(annotators * rounds, counted);
    }
}
