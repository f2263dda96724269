using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LabelLoop.Core;
using LabelLoop.Core.Items;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;
using LabelLoop.Core.Strategies;
using LabelLoop.Data;
using LabelLoop.Data.Jobs;
using LabelLoop.Data.Models;
using LabelLoop.Ml;
using LabelLoop.Ml.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LabelLoop.Jobs.Training;

/// <summary>
/// The train-and-score chain of one job run: trains a committee on the project's labels, scores the unlabeled
/// pool with the project's strategy, and publishes the ranking as a new model version. Everything a Quartz job
/// would do lives here, so tests run it directly with a fake engine.
/// </summary>
/// <remarks>
/// Status, progress and errors go to the job-run row. Bad input fails the run with its message as is;
/// transient failures (database, disk) are retried by the scheduler unless this is the last try; a cancel
/// stops training within about a second. Nothing is published unless the run is still Running at the commit.
/// </remarks>
public sealed class TrainingRunner(
    IDbContextFactory<LabelLoopDbContext> contextFactory,
    JobRunService runs,
    ModelVersionService versions,
    IModelEngine engine,
    DecodedImageCache images,
    IOptions<LabelLoopStorageOptions> storage,
    IOptions<JobsOptions> options,
    ILogger<TrainingRunner> logger)
{
    private const int PredictChunk = 4096;

    /// <summary>How this process names itself in job-run rows.</summary>
    public static string NodeName { get; } = $"{Environment.MachineName}/{Environment.ProcessId}";

    public async Task<RunOutcome> RunAsync(long jobRunId, RunAttempt attempt, CancellationToken cancellationToken)
    {
        var run = await runs.StartAsync(jobRunId, NodeName, cancellationToken);
        if (run is null)
        {
            logger.LogInformation("Job run {RunId} is finished or cancelled; nothing to do", jobRunId);
            return RunOutcome.Skipped;
        }
        var projectId = run.ProjectId ?? throw new InvalidOperationException($"Job run {jobRunId} names no project.");
        var artifactDir = Path.Combine(storage.Value.ModelsDir, $"project-{projectId}", $"run-{jobRunId}");
        var monitor = new RunMonitor(jobRunId, NodeName, runs, logger, cancellationToken);
        var published = false;
        try
        {
            var clock = Stopwatch.StartNew();
            monitor.Report(1, "Loading labels and items");
            var data = await LoadAsync(projectId, monitor.Token);
            var loadSeconds = clock.Elapsed.TotalSeconds;
            var result = await Task.Factory.StartNew(
                () => Compute(jobRunId, data, artifactDir, monitor),
                monitor.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            monitor.Token.ThrowIfCancellationRequested();
            monitor.Report(96, "Publishing the new ranking");
            var computeSeconds = clock.Elapsed.TotalSeconds - loadSeconds;
            var metrics = result.Metrics with
            {
                LoadSeconds = Math.Round(loadSeconds, 2),
                ComputeSeconds = Math.Round(computeSeconds, 2),
            };
            var draft = new ModelVersionDraft(projectId, Path.GetRelativePath(storage.Value.FullDataDir, artifactDir).Replace('\\', '/'),
                data.Strategy, data.LabelCount, JsonSerializer.Serialize(metrics, JsonOptions));
            var message = metrics.AuditAccuracy is { } accuracy
                ? string.Create(CultureInfo.InvariantCulture, $"Trained on {data.LabelCount} labels; audit accuracy {accuracy:P1}; ranked {result.Rows.Count} items")
                : $"Trained on {data.LabelCount} labels; ranked {result.Rows.Count} items";
            var version = await versions.PublishAsync(jobRunId, NodeName, draft, result.Rows, message, monitor.Token);
            if (version is null)
            {
                logger.LogInformation("Job run {RunId} was cancelled before its ranking was published", jobRunId);
                return RunOutcome.Cancelled;
            }
            published = true;
            logger.LogInformation(
                "Job run {RunId}: project {ProjectId} now ranks by version {Version} ({Rows} predictions; load {Load:F1}s, compute {Compute:F1}s, total {Total:F1}s)",
                jobRunId, projectId, version.Version, version.Predictions, loadSeconds, computeSeconds, clock.Elapsed.TotalSeconds);
            return RunOutcome.Succeeded;
        }
        catch (OperationCanceledException) when (monitor.CancelledByRow)
        {
            logger.LogInformation("Job run {RunId} stopped: cancelled", jobRunId);
            return RunOutcome.Cancelled;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown: the scheduler hands the firing back for recovery; the row waits for it as Queued.
            await runs.RequeueAsync(jobRunId, "Interrupted by a shutdown; runs again when a worker is up", CancellationToken.None);
            throw;
        }
        catch (Exception ex) when (ex is JobInputException or DomainValidationException or NotFoundException)
        {
            await runs.FailAsync(jobRunId, ex.Message, CancellationToken.None);
            return RunOutcome.Failed;
        }
        catch (Exception ex) when (IsTransient(ex))
        {
            if (attempt.IsLast)
            {
                logger.LogError(ex, "Job run {RunId} failed after {Attempts} tries", jobRunId, attempt.Number + 1);
                await runs.FailAsync(jobRunId, ex.Message, CancellationToken.None);
                return RunOutcome.Failed;
            }
            logger.LogWarning(ex, "Job run {RunId} hit a transient failure; it will be retried", jobRunId);
            await runs.RequeueAsync(jobRunId, $"Retrying after a transient failure (try {attempt.Number + 1}): {ex.Message}", CancellationToken.None);
            throw new TransientJobException(ex.Message, ex);
        }
#pragma warning disable CA1031 // Any other failure is recorded on the row, shown as is, and not retried.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            logger.LogError(ex, "Job run {RunId} failed", jobRunId);
            await runs.FailAsync(jobRunId, ex.Message, CancellationToken.None);
            return RunOutcome.Failed;
        }
        finally
        {
            await monitor.DisposeAsync();
            if (!published)
            {
                TryDelete(artifactDir);
            }
        }
    }

    /// <summary>Failures worth another try: the database or the disk, not the data or the code.</summary>
    public static bool IsTransient(Exception ex) => ex switch
    {
        NpgsqlException npgsql => npgsql.IsTransient,
        DbUpdateException { InnerException: { } inner } => IsTransient(inner),
        TimeoutException or IOException => true,
        _ => false,
    };

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private sealed record LoadedItem(long Id, bool Labeled, int ClassIndex, string? BlobHash, string? Text);

    private sealed record TrainingData(
        ProjectKind Kind,
        IReadOnlyList<string> Labels,
        string Strategy,
        int CommitteeSize,
        bool AllowFlip,
        int LabelCount,
        IReadOnlyList<LoadedItem> Items);

    private sealed record ComputeResult(IReadOnlyList<PredictionRow> Rows, TrainingMetrics Metrics);

    /// <summary>What a model version's <c>MetricsJson</c> holds.</summary>
    public sealed record TrainingMetrics(
        double? AuditAccuracy,
        int AuditItems,
        int TrainItems,
        int Committee,
        int Epochs,
        int BatchSize,
        double MeanTrainLoss,
        int Scored,
        double LoadSeconds,
        double ComputeSeconds);

    private async Task<TrainingData> LoadAsync(int projectId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var project = await db.Projects.AsNoTracking().Include(p => p.Labels)
            .SingleOrDefaultAsync(p => p.Id == projectId, cancellationToken)
            ?? throw new JobInputException($"Project {projectId} no longer exists.");
        var labels = project.Labels.OrderBy(l => l.Order).ThenBy(l => l.Id).Select(l => l.Name).ToList();
        if (labels.Count < 2)
        {
            throw new JobInputException($"Project '{project.Name}' has {labels.Count} label(s); a model needs at least two classes.");
        }
        if (!QueryStrategies.IsSupported(project.Strategy))
        {
            throw new JobInputException($"Unknown strategy '{project.Strategy}'. Known: {string.Join(", ", QueryStrategies.Supported)}.");
        }
        var classOf = labels.Select((name, i) => (name, i)).ToDictionary(x => x.name, x => x.i, StringComparer.Ordinal);
        var rows = await db.Items.AsNoTracking()
            .Where(i => i.ProjectId == projectId && (i.Status == ItemStatus.Labeled || i.Status == ItemStatus.Unlabeled))
            .OrderBy(i => i.Id)
            .Select(i => new { i.Id, i.Status, i.FinalLabel, i.BlobHash, i.Text })
            .ToListAsync(cancellationToken);
        var items = new List<LoadedItem>(rows.Count);
        foreach (var row in rows)
        {
            if (project.Kind == ProjectKind.Image ? row.BlobHash is null : row.Text is null)
            {
                continue;
            }
            if (row.Status == ItemStatus.Labeled)
            {
                // A label removed from the set since: the item cannot be a training example.
                if (row.FinalLabel is not null && classOf.TryGetValue(row.FinalLabel, out var c))
                {
                    items.Add(new LoadedItem(row.Id, true, c, row.BlobHash, row.Text));
                }
            }
            else
            {
                items.Add(new LoadedItem(row.Id, false, -1, row.BlobHash, row.Text));
            }
        }
        var labelCount = items.Count(i => i.Labeled);
        if (labelCount == 0)
        {
            throw new JobInputException($"Project '{project.Name}' has no labeled items yet; label some items first.");
        }
        return new TrainingData(project.Kind, labels, project.Strategy, Math.Clamp(project.CommitteeSize, 1, 20),
            project.AllowHorizontalFlip, labelCount, items);
    }

    private ComputeResult Compute(long runId, TrainingData data, string artifactDir, RunMonitor monitor)
    {
        var token = monitor.Token;
        var settings = options.Value;
        monitor.Report(3, "Preparing inputs");
        var (spec, matrix) = Encode(data, settings, token);

        var labeledIdx = new List<int>();
        var poolIdx = new List<int>();
        for (var i = 0; i < data.Items.Count; i++)
        {
            (data.Items[i].Labeled ? labeledIdx : poolIdx).Add(i);
        }
        // The audit sample is fixed per item (a hash of its id), so versions are compared on the same items.
        var audit = labeledIdx.Count >= 20
            ? labeledIdx.Where(i => AuditBucket(data.Items[i].Id) < settings.AuditPercent).ToList()
            : [];
        var auditSet = audit.ToHashSet();
        var train = labeledIdx.Where(i => !auditSet.Contains(i)).ToList();

        var members = data.CommitteeSize;
        var classes = data.Labels.Count;
        var batchSize = Math.Clamp(train.Count / 4, 8, 64);
        var epochs = Math.Clamp((int)Math.Ceiling((double)settings.TargetSteps * batchSize / train.Count), settings.MinEpochs, settings.MaxEpochs);
        var augmentations = spec.IsText ? ImageAugmentations.None
            : data.AllowFlip ? ImageAugmentations.Default | ImageAugmentations.HorizontalFlip : ImageAugmentations.Default;

        var poolProbabilities = new float[(long)members * poolIdx.Count * classes];
        var auditProbabilities = new float[(long)members * audit.Count * classes];
        var losses = new List<double>();
        Directory.CreateDirectory(artifactDir);
        for (var m = 0; m < members; m++)
        {
            token.ThrowIfCancellationRequested();
            // Bootstrap resample per member (the whole set for a committee of one), each with its own seed.
            var random = new Random(unchecked((int)(runId * 7919) + m));
            var sample = members == 1 ? train : Enumerable.Range(0, train.Count).Select(_ => train[random.Next(train.Count)]).ToList();
            var labels = sample.Select(i => data.Items[i].ClassIndex).ToArray();
            var memberSeed = (runId * 100) + m + 1;
            using var model = engine.CreateModel(spec with { Seed = memberSeed });
            var trainOptions = new TrainingOptions
            {
                Epochs = epochs,
                BatchSize = batchSize,
                LearningRate = 2e-3f,
                ValidationFraction = 0,
                Patience = 0,
                Augmentations = augmentations,
                Seed = memberSeed,
            };
            var member = m;
            var progress = new SyncProgress(p =>
            {
                var done = (member + ((double)p.Epoch / Math.Max(1, p.Epochs))) / members;
                monitor.Report(5 + (int)(done * 75), string.Create(CultureInfo.InvariantCulture,
                    $"Training member {member + 1}/{members}: epoch {p.Epoch}/{p.Epochs}, loss {p.TrainLoss:F3}"));
                if (settings.EpochDelayMilliseconds > 0)
                {
                    token.WaitHandle.WaitOne(settings.EpochDelayMilliseconds);
                }
            });
            var result = engine.Train(model, matrix.Gather(sample), labels, trainOptions, progress, token);
            losses.Add(result.FinalTrainLoss);
            engine.SaveModel(model, Path.Combine(artifactDir, $"member-{m}.ckpt"));

            monitor.Report(5 + (int)((m + 1.0) / members * 75), $"Scoring the pool with member {m + 1}/{members}");
            Predict(model, matrix, poolIdx, poolProbabilities.AsSpan((int)((long)m * poolIdx.Count * classes), poolIdx.Count * classes), token);
            Predict(model, matrix, audit, auditProbabilities.AsSpan((int)((long)m * audit.Count * classes), audit.Count * classes), token);
        }

        monitor.Report(85, "Ranking the pool");
        double? accuracy = null;
        if (audit.Count > 0)
        {
            var auditMean = new CommitteeOutput(members, audit.Count, classes, auditProbabilities).Mean();
            var correct = 0;
            for (var j = 0; j < audit.Count; j++)
            {
                if (CommitteeOutput.ArgMax(auditMean.AsSpan(j * classes, classes)) == data.Items[audit[j]].ClassIndex)
                {
                    correct++;
                }
            }
            accuracy = Math.Round((double)correct / audit.Count, 4);
        }

        var committee = new CommitteeOutput(members, poolIdx.Count, classes, poolProbabilities);
        var scores = QueryStrategies.Score(data.Strategy, committee, seed: runId);
        var order = QueryStrategies.Rank(scores);
        var mean = committee.Mean();
        var rows = new PredictionRow[poolIdx.Count];
        for (var r = 0; r < order.Length; r++)
        {
            var j = order[r];
            var p = mean.AsSpan(j * classes, classes).ToArray();
            var best = Math.Max(0, CommitteeOutput.ArgMax(p));
            var votes = members > 1 ? committee.Votes(j) : null;
            rows[r] = new PredictionRow(data.Items[poolIdx[j]].Id, data.Labels[best], p, scores[j], r + 1,
                Reason(data.Strategy, data.Labels, p, votes));
        }
        var metrics = new TrainingMetrics(accuracy, audit.Count, train.Count, members, epochs, batchSize,
            Math.Round(losses.Count == 0 ? 0 : losses.Average(), 4), rows.Length, 0, 0);
        return new ComputeResult(rows, metrics);
    }

    private (ModelSpec Spec, InputMatrix Matrix) Encode(TrainingData data, JobsOptions settings, CancellationToken token)
    {
        if (data.Kind == ProjectKind.Text)
        {
            var texts = data.Items.Select(i => i.Text ?? "").ToList();
            var tokenizer = TextTokenizer.Build(texts);
            var encoded = tokenizer.Encode(texts);
            return (ModelSpec.ForText(data.Labels.Count, tokenizer), InputMatrix.OfTokens(encoded.Ids, encoded.MaxTokens));
        }
        var size = settings.ImageSize;
        var pixels = images.Load(engine, data.Items.Select(i => i.BlobHash!).ToList(), size, token);
        return (ModelSpec.ForImages(data.Labels.Count, channels: 1, imageSize: size) with { Width = settings.ModelWidth }, InputMatrix.OfPixels(pixels, size * size));
    }

    private void Predict(EngineModel model, InputMatrix matrix, List<int> rows, Span<float> output, CancellationToken token)
    {
        var classes = model.Spec.Classes;
        for (var start = 0; start < rows.Count; start += PredictChunk)
        {
            token.ThrowIfCancellationRequested();
            var chunk = rows.GetRange(start, Math.Min(PredictChunk, rows.Count - start));
            var probabilities = engine.PredictProbabilities(model, matrix.Gather(chunk));
            probabilities.AsSpan(0, chunk.Count * classes).CopyTo(output[(start * classes)..]);
        }
    }

    /// <summary>The reason the workspace shows: strategy, the two top classes, committee votes.</summary>
    internal static string Reason(string strategy, IReadOnlyList<string> labels, ReadOnlySpan<float> p, int[]? votes)
    {
        var (first, second) = QueryStrategies.TopTwo(p);
        var top = new List<object> { new { label = labels[Math.Max(0, first)], p = Round(p[Math.Max(0, first)]) } };
        if (second != first && second >= 0)
        {
            top.Add(new { label = labels[second], p = Round(p[second]) });
        }
        string? voteText = null;
        if (votes is not null)
        {
            voteText = string.Join(", ", votes.Select((count, c) => (count, c)).Where(v => v.count > 0)
                .OrderByDescending(v => v.count).ThenBy(v => v.c).Select(v => $"{labels[v.c]} {v.count}"));
        }
        return voteText is null
            ? JsonSerializer.Serialize(new { strategy, top })
            : JsonSerializer.Serialize(new { strategy, top, votes = voteText });
    }

    private static double Round(float p) => float.IsFinite(p) ? Math.Round(p, 3) : 0;

    private static int AuditBucket(long itemId) => (int)((((ulong)itemId * 11400714819323198485UL) >> 32) % 100);

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Left for a later clean-up: an unpublished run's checkpoints are never referenced.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Reports on the calling (training) thread, unlike <see cref="Progress{T}"/>, which posts elsewhere.</summary>
    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
