using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Export;
using LabelLoop.Core.Items;
using LabelLoop.Data.Projects;
using Microsoft.EntityFrameworkCore;

namespace LabelLoop.Data.Items;

/// <summary>
/// Reads a project's items for the API: lists by state and final label, in id order, and single items. What each role
/// sees is the caller's <see cref="ExportProjection"/>, the rule exports follow: annotators get neither external ids
/// nor final labels (which carry other people's answers), and may not select by final label.
/// </summary>
public sealed class ItemService(IDbContextFactory<LabelLoopDbContext> contextFactory, ProjectService projects)
{
    /// <summary>Up to <paramref name="take"/> items with an id above <paramref name="afterId"/>, in id order.</summary>
    public async Task<IReadOnlyList<ItemView>> ListAsync(
        Caller caller, int projectId, ItemStatus? status, string? label, long? afterId, int take, CancellationToken cancellationToken = default)
    {
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        var projection = ExportProjection.For(caller);
        projection.EnsureMayFilterByFinalLabel(label);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Items.AsNoTracking().Where(i => i.ProjectId == projectId);
        if (status is { } s)
        {
            query = query.Where(i => i.Status == s);
        }
        if (!string.IsNullOrEmpty(label))
        {
            query = query.Where(i => i.FinalLabel == label);
        }
        if (afterId is { } after)
        {
            query = query.Where(i => i.Id > after);
        }
        var rows = await query.OrderBy(i => i.Id).Take(take).ToListAsync(cancellationToken);
        return [.. rows.Select(i => projection.Apply(ToView(i)))];
    }

    public async Task<ItemView> GetAsync(Caller caller, int projectId, long itemId, CancellationToken cancellationToken = default)
    {
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var item = await db.Items.AsNoTracking().SingleOrDefaultAsync(i => i.Id == itemId && i.ProjectId == projectId, cancellationToken)
            ?? throw new NotFoundException($"Item {itemId} is not in project {projectId}.");
        return ExportProjection.For(caller).Apply(ToView(item));
    }

    private static ItemView ToView(Item i) => new(
        i.Id, i.ProjectId, i.ExternalId, i.Status, i.FinalLabel, i.AnnotationCount, i.Text,
        i.BlobHash is null ? null : ItemLeaseService.ContentUrl(i.ProjectId, i.Id), i.MediaType, i.CreatedUtc);
}
