using LabelLoop.Core;
using LabelLoop.Core.Export;
using LabelLoop.Core.Items;
using Microsoft.EntityFrameworkCore;

namespace LabelLoop.Data.Export;

/// <summary>
/// Streams a project's items with their annotations and the active model's predictions to an
/// <see cref="IExportWriter"/>, in pages of ids (keyset pagination), so memory stays flat for any size.
/// </summary>
public sealed class ExportService(IDbContextFactory<LabelLoopDbContext> contextFactory)
{
    private const int PageSize = 2000;

    /// <summary>Writes every matching item and returns how many were written.</summary>
    public async Task<long> ExportAsync(int projectId, IExportWriter writer, ExportFilter filter, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        if (!await db.Projects.AnyAsync(p => p.Id == projectId, cancellationToken))
        {
            throw new NotFoundException($"Project {projectId} does not exist.");
        }
        var labelOrder = await db.LabelClasses.Where(l => l.ProjectId == projectId).OrderBy(l => l.Order).Select(l => l.Name).ToListAsync(cancellationToken);
        var active = await db.ModelVersions.Where(m => m.ProjectId == projectId && m.IsActive)
            .Select(m => new { m.Id, m.Version }).SingleOrDefaultAsync(cancellationToken);

        long written = 0;
        long lastId = 0;
        while (true)
        {
            db.ChangeTracker.Clear();
            var query = db.Items.AsNoTracking().Where(i => i.ProjectId == projectId && i.Id > lastId);
            if (filter.LabeledOnly)
            {
                query = query.Where(i => i.FinalLabel != null);
            }
            if (filter.FinalLabel is not null)
            {
                query = query.Where(i => i.FinalLabel == filter.FinalLabel);
            }
            if (filter.SinceUtc is { } since)
            {
                query = query.Where(i => db.Annotations.Any(a => a.ItemId == i.Id && a.CreatedUtc >= since));
            }
            var page = await query.OrderBy(i => i.Id).Take(PageSize)
                .Select(i => new { i.Id, i.ExternalId, i.Text, i.BlobHash, i.Status, i.FinalLabel })
                .ToListAsync(cancellationToken);
            if (page.Count == 0)
            {
                break;
            }
            var ids = page.Select(i => i.Id).ToList();
            var annotations = (await db.Annotations.AsNoTracking().Where(a => ids.Contains(a.ItemId))
                    .Join(db.Users, a => a.UserId, u => u.Id, (a, u) => new { a.ItemId, a.Id, u.Email, a.Label, a.WasSkipped, a.CreatedUtc, a.LeadTimeSeconds })
                    .OrderBy(a => a.Id)
                    .ToListAsync(cancellationToken))
                .ToLookup(a => a.ItemId);
            var predictions = active is null
                ? new Dictionary<long, (string Label, float[] Probabilities, double Score)>()
                : (await db.Predictions.AsNoTracking().Where(p => p.ModelVersionId == active.Id && ids.Contains(p.ItemId))
                    .Select(p => new { p.ItemId, p.Label, p.Probabilities, p.Score })
                    .ToListAsync(cancellationToken))
                    .ToDictionary(p => p.ItemId, p => (p.Label, p.Probabilities, p.Score));
            foreach (var item in page)
            {
                var itemAnnotations = annotations[item.Id]
                    .Select(a => new ExportAnnotation(a.Email ?? "", a.Label, a.WasSkipped, a.CreatedUtc, a.LeadTimeSeconds))
                    .ToList();
                ExportPrediction? prediction = null;
                if (active is not null && predictions.TryGetValue(item.Id, out var p))
                {
                    var probabilities = labelOrder.Select((name, i) => (name, i)).Where(x => x.i < p.Probabilities.Length)
                        .ToDictionary(x => x.name, x => p.Probabilities[x.i]);
                    prediction = new ExportPrediction(active.Version, p.Label, probabilities, p.Score);
                }
                await writer.WriteAsync(new ExportRecord(item.Id, item.ExternalId, item.Text, item.BlobHash, StatusName(item.Status),
                    item.FinalLabel, itemAnnotations, prediction), cancellationToken);
                written++;
            }
            lastId = page[^1].Id;
        }
        return written;
    }

    private static string StatusName(ItemStatus status) => status switch
    {
        ItemStatus.Unlabeled => "unlabeled",
        ItemStatus.Labeled => "labeled",
        ItemStatus.Skipped => "skipped",
        ItemStatus.InReview => "in-review",
        _ => status.ToString(),
    };
}
