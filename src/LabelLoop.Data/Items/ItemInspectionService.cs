using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Items;
using LabelLoop.Data.Stats;
using Microsoft.EntityFrameworkCore;

namespace LabelLoop.Data.Items;

/// <summary>One item as the dashboard shows it: payload, state, every answer, and the active model's view of it.</summary>
/// <param name="GroundTruth">The import's hidden label: admins only (null for everyone else).</param>
public sealed record ItemInspection(
    long ItemId,
    int ProjectId,
    string? Text,
    string? ContentUrl,
    ItemStatus Status,
    string? FinalLabel,
    string? GroundTruth,
    IReadOnlyList<ItemAnswer> Answers,
    ItemPrediction? Prediction);

/// <summary>One annotation of the item; <see cref="IsReview"/> marks a reviewer's final decision.</summary>
public sealed record ItemAnswer(string Annotator, string? Label, bool Skipped, bool IsReview, double LeadTimeSeconds, DateTime CreatedUtc);

/// <summary>The active model version's prediction for the item, with the class probabilities in label order.</summary>
public sealed record ItemPrediction(int Version, string Label, double Score, int? Rank, IReadOnlyList<(string Label, float Probability)> Probabilities, string ReasonJson);

/// <summary>Reads single items for the dashboard's click-through (same access rule as the dashboard).</summary>
public sealed class ItemInspectionService(IDbContextFactory<LabelLoopDbContext> contextFactory, ProjectStatsService stats)
{
    public async Task<ItemInspection> GetAsync(Caller caller, int projectId, long itemId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await stats.EnsureCanReadAsync(caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var item = await db.Items.AsNoTracking().Where(i => i.Id == itemId && i.ProjectId == projectId)
            .Select(i => new { i.Id, i.Text, i.BlobHash, i.Status, i.FinalLabel, i.GroundTruth })
            .SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException($"Item {itemId} is not in project {projectId}.");
        var answers = await db.Annotations.AsNoTracking().Where(a => a.ItemId == itemId)
            .OrderBy(a => a.Id)
            .Select(a => new ItemAnswer(db.Users.Where(u => u.Id == a.UserId).Select(u => u.Email).FirstOrDefault() ?? a.UserId,
                a.Label, a.WasSkipped, a.IsGroundTruth, a.LeadTimeSeconds, a.CreatedUtc))
            .ToListAsync(cancellationToken);
        var prediction = await db.Predictions.AsNoTracking()
            .Where(p => p.ItemId == itemId)
            .Join(db.ModelVersions.Where(v => v.ProjectId == projectId && v.IsActive), p => p.ModelVersionId, v => v.Id,
                (p, v) => new { v.Version, p.Label, p.Score, p.Rank, p.Probabilities, p.ReasonJson })
            .SingleOrDefaultAsync(cancellationToken);
        ItemPrediction? predicted = null;
        if (prediction is not null)
        {
            var labels = await db.LabelClasses.AsNoTracking().Where(l => l.ProjectId == projectId)
                .OrderBy(l => l.Order).ThenBy(l => l.Id).Select(l => l.Name).ToListAsync(cancellationToken);
            var probabilities = prediction.Probabilities.Select((p, i) => (i < labels.Count ? labels[i] : $"#{i}", p)).ToList();
            predicted = new ItemPrediction(prediction.Version, prediction.Label, prediction.Score, prediction.Rank, probabilities, prediction.ReasonJson);
        }
        return new ItemInspection(item.Id, projectId, item.Text, item.BlobHash is null ? null : ItemLeaseService.ContentUrl(projectId, item.Id),
            item.Status, item.FinalLabel, caller.IsAdmin ? item.GroundTruth : null, answers, predicted);
    }
}
