using LabelLoop.Data.Items;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Data.Tests.Labeling;

public sealed class AuditSampleTests(LabelingFixture f) : IClassFixture<LabelingFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<(int Project, List<long> Ids, int Version)> RankedProjectAsync(int auditPercent)
    {
        var project = await f.CreateProjectAsync(40);
        await using var db = f.Data.CreateContext();
        await db.Projects.Where(p => p.Id == project).ExecuteUpdateAsync(s => s.SetProperty(p => p.AuditPercent, auditPercent), Cancel);
        var ids = await db.Items.Where(i => i.ProjectId == project).OrderBy(i => i.Id).Select(i => i.Id).ToListAsync(Cancel);
        var version = new Core.Models.ModelVersion { ProjectId = project, Version = 1, IsActive = true, Strategy = "margin" };
        db.ModelVersions.Add(version);
        await db.SaveChangesAsync(Cancel);
        // Every item ranked, in pool order.
        db.Predictions.AddRange(ids.Select((id, r) => new Core.Predictions.Prediction
        {
            ItemId = id,
            ModelVersionId = version.Id,
            Label = "a",
            Probabilities = [0.5f, 0.5f],
            Score = 1.0 / (r + 1),
            Rank = r + 1,
            ReasonJson = """{"strategy":"margin"}""",
        }));
        await db.SaveChangesAsync(Cancel);
        return (project, ids, version.Id);
    }

    [Fact]
    public async Task Every_served_item_is_an_audit_pick_at_100_percent_and_none_at_0()
    {
        var (all, _, _) = await RankedProjectAsync(100);
        var (none, ranked, _) = await RankedProjectAsync(0);

        var audited = await f.Leases.NextAsync(await f.MemberAsync(all), all, 5, Cancel);
        var byRank = await f.Leases.NextAsync(await f.MemberAsync(none), none, 5, Cancel);

        Assert.Equal(5, audited.Count);
        // Audit picks come without the model's suggestion, so the label does not lean on the model it judges.
        Assert.All(audited, item => Assert.Null(item.Suggestion));
        Assert.Equal(ranked.Take(5), byRank.Select(i => i.ItemId));
        await using var db = f.Data.CreateContext();
        var flagged = audited.Select(i => i.ItemId).ToList();
        Assert.Equal(5, await db.Items.CountAsync(i => flagged.Contains(i.Id) && i.IsAudit, Cancel));
        Assert.Equal(0, await db.Items.CountAsync(i => i.ProjectId == none && i.IsAudit, Cancel));
    }

    [Fact]
    public async Task At_five_percent_one_serve_position_in_twenty_is_an_audit_pick()
    {
        Assert.Equal([19, 39, 59], Enumerable.Range(0, 60).Where(p => ItemLeaseService.IsAuditPosition(p, 5)));
        Assert.Equal(10, Enumerable.Range(0, 100).Count(p => ItemLeaseService.IsAuditPosition(p, 10)));
        Assert.False(ItemLeaseService.IsAuditPosition(0, 0));

        // Twenty items served in one call: the last is drawn at random from the pool, the others follow the ranking.
        var (project, ranked, _) = await RankedProjectAsync(5);
        var served = await f.Leases.NextAsync(await f.MemberAsync(project), project, 20, Cancel);

        Assert.Equal(ranked.Take(19), served.Take(19).Select(i => i.ItemId));
        Assert.Null(served[19].Suggestion);
        Assert.NotNull(served[0].Suggestion);
        await using var db = f.Data.CreateContext();
        Assert.Equal([served[19].ItemId], await db.Items.Where(i => i.ProjectId == project && i.IsAudit).Select(i => i.Id).ToListAsync(Cancel));
    }
}
