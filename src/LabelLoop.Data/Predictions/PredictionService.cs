using System.Text.Json;
using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Items;
using LabelLoop.Core.Models;
using LabelLoop.Core.Predictions;
using LabelLoop.Data.Items;
using LabelLoop.Data.Projects;
using Microsoft.EntityFrameworkCore;

namespace LabelLoop.Data.Predictions;

/// <summary>Reads what training produced: model versions with their metrics, predictions, and the active ranking.</summary>
public sealed class PredictionService(IDbContextFactory<LabelLoopDbContext> contextFactory, ProjectService projects)
{
    /// <summary>A project's model versions, newest first, with an id below <paramref name="beforeId"/>.</summary>
    public async Task<IReadOnlyList<ModelVersionView>> ListModelVersionsAsync(
        Caller caller, int projectId, long? beforeId, int take, CancellationToken cancellationToken = default)
    {
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var query = db.ModelVersions.AsNoTracking().Where(m => m.ProjectId == projectId);
        if (beforeId is { } before)
        {
            query = query.Where(m => m.Id < before);
        }
        var rows = await query.OrderByDescending(m => m.Id).Take(take).ToListAsync(cancellationToken);
        return [.. rows.Select(ToView)];
    }

    /// <summary>One version by its number within the project.</summary>
    public async Task<ModelVersionView> GetModelVersionAsync(Caller caller, int projectId, int version, CancellationToken cancellationToken = default)
    {
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.ModelVersions.AsNoTracking().SingleOrDefaultAsync(m => m.ProjectId == projectId && m.Version == version, cancellationToken)
            ?? throw new NotFoundException($"Project {projectId} has no model version {version}.");
        return ToView(row);
    }

    /// <summary>
    /// Predictions of one version (the active one when <paramref name="version"/> is null) in item order, optionally
    /// only those predicting <paramref name="label"/>. Empty when the project has no model yet.
    /// </summary>
    public async Task<IReadOnlyList<PredictionView>> ListPredictionsAsync(
        Caller caller, int projectId, int? version, string? label, long? afterItemId, int take, CancellationToken cancellationToken = default)
    {
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var model = await FindVersionAsync(db, projectId, version, cancellationToken);
        if (model is not { } found)
        {
            return [];
        }
        var query = db.Predictions.AsNoTracking().Where(p => p.ModelVersionId == found.Id);
        if (!string.IsNullOrEmpty(label))
        {
            query = query.Where(p => p.Label == label);
        }
        if (afterItemId is { } after)
        {
            query = query.Where(p => p.ItemId > after);
        }
        var rows = await query.OrderBy(p => p.ItemId).Take(take).ToListAsync(cancellationToken);
        var labels = await LabelsAsync(db, projectId, cancellationToken);
        return [.. rows.Select(p => new PredictionView(p.Id, p.ItemId, found.Version, p.Label,
            p.Probabilities.Length == 0 ? 0 : p.Probabilities.Max(), Named(labels, p.Probabilities), p.Score, p.Rank))];
    }

    /// <summary>
    /// The active version's ranking after place <paramref name="afterRank"/>: the order annotators are served in,
    /// each with the reason it was chosen. With <paramref name="openOnly"/>, items no longer unlabeled are left out.
    /// </summary>
    public async Task<IReadOnlyList<RankedItem>> RankingAsync(
        Caller caller, int projectId, long? afterRank, int take, bool openOnly, CancellationToken cancellationToken = default)
    {
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var model = await FindVersionAsync(db, projectId, null, cancellationToken);
        if (model is not { } found)
        {
            return [];
        }
        var after = (int)Math.Clamp(afterRank ?? 0, 0, int.MaxValue);
        var query = db.Predictions.AsNoTracking()
            .Where(p => p.ModelVersionId == found.Id && p.Rank != null && p.Rank > after)
            .Join(db.Items, p => p.ItemId, i => i.Id, (p, i) => new { Prediction = p, i.Status });
        if (openOnly)
        {
            query = query.Where(x => x.Status == ItemStatus.Unlabeled);
        }
        var rows = await query.OrderBy(x => x.Prediction.Rank).Take(take).ToListAsync(cancellationToken);
        return [.. rows.Select(x => new RankedItem(x.Prediction.Rank!.Value, x.Prediction.ItemId, x.Status, found.Version, x.Prediction.Label,
            x.Prediction.Probabilities.Length == 0 ? 0 : x.Prediction.Probabilities.Max(), x.Prediction.Score,
            ItemLeaseService.ParseReason(x.Prediction.ReasonJson, x.Prediction.Score, x.Prediction.Rank)))];
    }

    private static async Task<(int Id, int Version)?> FindVersionAsync(LabelLoopDbContext db, int projectId, int? version, CancellationToken cancellationToken)
    {
        var query = db.ModelVersions.AsNoTracking().Where(m => m.ProjectId == projectId);
        query = version is { } v ? query.Where(m => m.Version == v) : query.Where(m => m.IsActive);
        var found = await query.Select(m => new { m.Id, m.Version }).FirstOrDefaultAsync(cancellationToken);
        if (found is null && version is not null)
        {
            throw new NotFoundException($"Project {projectId} has no model version {version}.");
        }
        return found is null ? null : (found.Id, found.Version);
    }

    // The order training gave the class indices.
    private static async Task<List<string>> LabelsAsync(LabelLoopDbContext db, int projectId, CancellationToken cancellationToken) =>
        await db.LabelClasses.AsNoTracking().Where(l => l.ProjectId == projectId)
            .OrderBy(l => l.Order).ThenBy(l => l.Id).Select(l => l.Name).ToListAsync(cancellationToken);

    private static List<LabelProbability> Named(List<string> labels, float[] probabilities) =>
        [.. probabilities.Select((p, i) => new LabelProbability(i < labels.Count ? labels[i] : $"#{i}", p))];

    private static ModelVersionView ToView(ModelVersion m) =>
        new(m.Id, m.ProjectId, m.Version, m.Strategy, m.LabelCount, m.IsActive, m.CreatedUtc, ParseMetrics(m.MetricsJson));

    private static JsonElement ParseMetrics(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "{}" : json);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            using var empty = JsonDocument.Parse("{}");
            return empty.RootElement.Clone();
        }
    }
}
