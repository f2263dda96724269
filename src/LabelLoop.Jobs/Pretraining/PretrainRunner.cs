using System.Globalization;
using System.Text.Json;
using LabelLoop.Core.Embeddings;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;
using LabelLoop.Core.Strategies;
using LabelLoop.Data;
using LabelLoop.Data.Jobs;
using LabelLoop.Data.Models;
using LabelLoop.Jobs.Training;
using LabelLoop.Ml;
using LabelLoop.Ml.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LabelLoop.Jobs.Pretraining;

/// <summary>
/// The pretraining job of one project: pretrains an encoder on every item's content (labels unused), embeds every
/// item, measures how well the embeddings separate the labels known so far, and publishes the encoder version
/// that later models start from. Checkpoints every few epochs; a recovered run resumes from the last one.
/// </summary>
public sealed class PretrainRunner(
    IDbContextFactory<LabelLoopDbContext> contextFactory,
    JobRunService runs,
    EncoderVersionService encoders,
    IModelEngine engine,
    DecodedImageCache images,
    ImageColourResolver colours,
    IOptions<LabelLoopStorageOptions> storage,
    IOptions<JobsOptions> options,
    ILogger<PretrainRunner> logger)
{
    public const string CheckpointName = "encoder.ckpt";
    public const string TokenizerName = "tokenizer.bin";
    public const string EmbeddingsName = "embeddings.bin";

    // Items per embedding call: the engine cannot be interrupted inside one, so a cancel waits for at most one chunk.
    private const int EmbedChunk = 512;
    private const int QualitySample = 3000;

    /// <summary>The most items a cold-start order holds (k-means over the pool runs with as many clusters).</summary>
    public const int MaxColdStartItems = 200;

    // The cold start's k-means reads a sample of larger pools: a few hundred items per cluster find its centre.
    private const int ColdStartSample = 20_000;

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    /// <summary>What an encoder version's <c>MetricsJson</c> holds.</summary>
    public sealed record PretrainMetrics(
        int Epochs,
        int BatchSize,
        int TrainedItems,
        float FirstLoss,
        float FinalLoss,
        double ItemsPerSecond,
        double Seconds,
        int ResumedAtEpoch,
        double? KnnAccuracy,
        double? LinearProbeAccuracy,
        int QualityItems,
        string? QualitySource,
        int Channels = 1,
        int ColdStartItems = 0);

    private sealed record PoolItem(long Id, string? BlobHash, string? Text, string? FinalLabel, string? GroundTruth);

    public Task<RunOutcome> RunAsync(long jobRunId, RunAttempt attempt, CancellationToken cancellationToken) =>
        JobRunGuard.RunAsync(jobRunId, attempt, runs, logger, async (run, monitor) =>
        {
            var projectId = run.ProjectId ?? throw new InvalidOperationException($"Job run {jobRunId} names no project.");
            var relative = Path.Combine("models", $"project-{projectId}", $"encoder-run-{jobRunId}").Replace('\\', '/');
            var dir = Path.Combine(storage.Value.FullDataDir, relative);
            monitor.Report(1, "Loading the pool");
            var (project, labels, items) = await LoadAsync(projectId, monitor.Token);
            var channels = project.Kind == ProjectKind.Image ? (await colours.ResolveAsync(engine, project, monitor.Token)).Channels() : 1;
            var (metrics, coldStart) = await Task.Factory.StartNew(
                () => Compute(jobRunId, project, channels, labels, items, dir, monitor),
                monitor.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            monitor.Token.ThrowIfCancellationRequested();
            monitor.Report(97, "Publishing the encoder");
            var message = metrics.KnnAccuracy is { } knn
                ? string.Create(CultureInfo.InvariantCulture,
                    $"Pretrained on {metrics.TrainedItems} items in {metrics.Seconds:F0} s ({metrics.ItemsPerSecond:F0} items/s); k-NN accuracy {knn:P1} on {metrics.QualityItems} {metrics.QualitySource} labels")
                : string.Create(CultureInfo.InvariantCulture,
                    $"Pretrained on {metrics.TrainedItems} items in {metrics.Seconds:F0} s ({metrics.ItemsPerSecond:F0} items/s)");
            var version = await encoders.PublishAsync(jobRunId, TrainingRunner.NodeName, projectId, relative, items.Count,
                JsonSerializer.Serialize(metrics, JsonOptions), message, coldStart, monitor.Token);
            if (version is null)
            {
                return RunOutcome.Cancelled;
            }
            EncoderPretrainer.DeleteCheckpoints(dir);
            logger.LogInformation("Job run {RunId}: project {ProjectId} now starts models from encoder version {Version}", jobRunId, projectId, version.Version);
            return RunOutcome.Succeeded;
        }, cancellationToken);

    private async Task<(Project Project, IReadOnlyList<string> Labels, IReadOnlyList<PoolItem> Items)> LoadAsync(int projectId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var project = await db.Projects.AsNoTracking().Include(p => p.Labels)
            .SingleOrDefaultAsync(p => p.Id == projectId, cancellationToken)
            ?? throw new JobInputException($"Project {projectId} no longer exists.");
        var labels = project.Labels.OrderBy(l => l.Order).ThenBy(l => l.Id).Select(l => l.Name).ToList();
        var rows = await db.Items.AsNoTracking()
            .Where(i => i.ProjectId == projectId && (project.Kind == ProjectKind.Image ? i.BlobHash != null : i.Text != null))
            .OrderBy(i => i.Id)
            .Select(i => new PoolItem(i.Id, i.BlobHash, i.Text, i.FinalLabel, i.GroundTruth))
            .ToListAsync(cancellationToken);
        if (rows.Count < 2)
        {
            throw new JobInputException($"Project '{project.Name}' has {rows.Count} item(s) with content; pretraining needs a pool.");
        }
        return (project, labels, rows);
    }

    private (PretrainMetrics Metrics, IReadOnlyList<long> ColdStart) Compute(long runId, Project project, int channels, IReadOnlyList<string> labels, IReadOnlyList<PoolItem> items, string dir, RunMonitor monitor)
    {
        var token = monitor.Token;
        var settings = options.Value;
        Directory.CreateDirectory(dir);
        monitor.Report(3, "Preparing inputs");
        var classes = Math.Max(2, labels.Count);
        ModelSpec spec;
        InputMatrix matrix;
        if (project.Kind == ProjectKind.Text)
        {
            var texts = items.Select(i => i.Text ?? "").ToList();
            var tokenizer = TextTokenizer.Build(texts, cancellationToken: token);
            using (var stream = File.Create(Path.Combine(dir, TokenizerName)))
            {
                tokenizer.Save(stream);
            }
            var encoded = tokenizer.Encode(texts, token);
            spec = ModelSpec.ForText(classes, tokenizer);
            matrix = InputMatrix.OfTokens(encoded.Ids, encoded.MaxTokens);
        }
        else
        {
            var size = settings.ImageSize;
            var pixels = images.Load(engine, items.Select(i => i.BlobHash!).ToList(), channels, size, token);
            spec = ModelSpec.ForImages(classes, channels, size) with { Width = settings.ModelWidth };
            matrix = InputMatrix.OfPixels(pixels, channels * size * size);
        }
        spec = spec with { Seed = runId };

        // Large pools pretrain on a sample (a fixed one per run, so a resumed run sees the same items).
        var all = Enumerable.Range(0, items.Count).ToList();
        var sample = all;
        if (items.Count > settings.PretrainMaxItems)
        {
            var shuffled = all.ToArray();
            new Random(unchecked((int)runId)).Shuffle(shuffled);
            sample = [.. shuffled.Take(settings.PretrainMaxItems).Order()];
        }
        var plan = new PretrainPlan(settings.PretrainEpochs, settings.PretrainEpochsPerCheckpoint, new PretrainingOptions
        {
            BatchSize = Math.Min(settings.PretrainBatchSize, sample.Count),
            HorizontalFlip = project.AllowHorizontalFlip,
            Seed = runId,
        });
        monitor.Report(5, $"Pretraining on {sample.Count} items");
        var outcome = EncoderPretrainer.Run(engine, spec, matrix.Gather(sample), plan, dir,
            (done, total, loss) => monitor.Report(5 + (80 * done / total), string.Create(CultureInfo.InvariantCulture,
                $"Pretraining: epoch {done}/{total}, loss {loss:F3}")),
            token);
        using var model = outcome.Model;
        engine.SaveModel(model, Path.Combine(dir, CheckpointName));

        monitor.Report(88, "Embedding every item");
        var dim = model.Spec.EmbeddingDim;
        var embeddings = new float[(long)items.Count * dim];
        for (var start = 0; start < items.Count; start += EmbedChunk)
        {
            token.ThrowIfCancellationRequested();
            var rows = all.GetRange(start, Math.Min(EmbedChunk, items.Count - start));
            engine.Embed(model, matrix.Gather(rows)).AsSpan(0, rows.Count * dim).CopyTo(embeddings.AsSpan(start * dim));
        }
        new EmbeddingFile([.. items.Select(i => i.Id)], dim, embeddings).Save(Path.Combine(dir, EmbeddingsName));

        monitor.Report(93, "Measuring embedding quality");
        var (knn, probe, count, source) = Quality(labels, items, embeddings, dim, runId, token);
        var coldStart = ColdStartOrder(project, items, embeddings, dim, runId);
        return (new PretrainMetrics(outcome.Epochs, plan.Options.BatchSize, sample.Count, outcome.FirstLoss, outcome.FinalLoss,
            Math.Round(outcome.ItemsPerSecond, 1), Math.Round(outcome.Seconds, 1), outcome.ResumedAtEpoch,
            knn is null ? null : Math.Round(knn.Value, 4), probe is null ? null : Math.Round(probe.Value, 4), count, source, channels,
            coldStart.Count), coldStart);
    }

    /// <summary>
    /// The items a project without a model serves first: the most typical unlabeled item of each of as many
    /// clusters of the new embeddings as the labels that lead to the first training (<see cref="Project.RetrainEvery"/>,
    /// or the batch size when only a schedule retrains), clusters the labels given so far cover last. Pools over
    /// 20,000 open items are clustered on a seeded sample of that size.
    /// </summary>
    private static List<long> ColdStartOrder(Project project, IReadOnlyList<PoolItem> items, float[] embeddings, int dim, long seed)
    {
        var count = Math.Clamp(project.RetrainEvery > 0 ? project.RetrainEvery : project.BatchSize, 1, MaxColdStartItems);
        var pool = new List<int>();
        var labeled = new List<int>();
        for (var i = 0; i < items.Count; i++)
        {
            (items[i].FinalLabel is null ? pool : labeled).Add(i);
        }
        if (pool.Count > ColdStartSample)
        {
            var shuffled = pool.ToArray();
            new Random(unchecked((int)seed)).Shuffle(shuffled);
            pool = [.. shuffled.Take(ColdStartSample).Order()];
        }
        return [.. ColdStart.FirstItems(EmbeddingGeometry.Gather(embeddings, dim, pool), dim, count, EmbeddingGeometry.Gather(embeddings, dim, labeled), seed)
            .Select(j => items[pool[j]].Id)];
    }

    /// <summary>
    /// k-NN and linear-probe accuracy on a sample of the labeled items, or, before there are 20 labels, of the items
    /// whose import carried a ground-truth label (the sample projects, simulations).
    /// </summary>
    private static (double? Knn, double? Probe, int Count, string? Source) Quality(
        IReadOnlyList<string> labels, IReadOnlyList<PoolItem> items, float[] embeddings, int dim, long seed, CancellationToken cancellationToken)
    {
        const int MinItems = 20;
        if (labels.Count < 2)
        {
            return (null, null, 0, null);
        }
        var classOf = labels.Select((name, i) => (name, i)).ToDictionary(x => x.name, x => x.i, StringComparer.Ordinal);
        int[] Known(Func<PoolItem, string?> label) =>
            [.. Enumerable.Range(0, items.Count).Where(i => label(items[i]) is { } l && classOf.ContainsKey(l))];
        var source = "labels";
        Func<PoolItem, string?> labelOf = i => i.FinalLabel;
        var known = Known(labelOf);
        if (known.Length < MinItems)
        {
            (source, labelOf) = ("ground truth", i => i.GroundTruth);
            known = Known(labelOf);
        }
        if (known.Length < MinItems)
        {
            return (null, null, 0, null);
        }
        new Random(unchecked((int)seed)).Shuffle(known);
        var chosen = known.Take(QualitySample).ToArray();
        var values = EmbeddingGeometry.Gather(embeddings, dim, chosen);
        var classesOfChosen = chosen.Select(j => classOf[labelOf(items[j])!]).ToArray();
        return (EmbeddingQuality.KnnAccuracy(values, dim, classesOfChosen, labels.Count, cancellationToken: cancellationToken),
            EmbeddingQuality.LinearProbeAccuracy(values, dim, classesOfChosen, labels.Count, seed: unchecked((int)seed), cancellationToken: cancellationToken),
            chosen.Length, source);
    }
}
