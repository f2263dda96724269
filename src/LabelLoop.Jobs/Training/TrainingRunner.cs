using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LabelLoop.Core.Items;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;
using LabelLoop.Core.Strategies;
using LabelLoop.Data;
using LabelLoop.Data.Jobs;
using LabelLoop.Data.Models;
using LabelLoop.Data.Providers;
using LabelLoop.Ml;
using LabelLoop.Ml.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LabelLoop.Jobs.Training;

/// <summary>
/// The train-and-score chain of one job run: trains a committee on the project's labels, scores the unlabeled
/// pool with the project's strategy, and publishes the ranking as a new model version. Everything a Hangfire job
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
    EncoderVersionService encoders,
    IModelEngine engine,
    DecodedImageCache images,
    ImageColourResolver colours,
    IOptions<LabelLoopStorageOptions> storage,
    IOptions<JobsOptions> options,
    ILogger<TrainingRunner> logger)
{
    /// <summary>How this process names itself in job-run rows.</summary>
    public static string NodeName { get; } = $"{Environment.MachineName}/{Environment.ProcessId}";

    public async Task<RunOutcome> RunAsync(long jobRunId, RunAttempt attempt, CancellationToken cancellationToken)
    {
        string? artifactDir = null;
        var published = false;
        try
        {
            return await JobRunGuard.RunAsync(jobRunId, attempt, runs, logger, async (run, monitor) =>
            {
                var projectId = run.ProjectId ?? throw new InvalidOperationException($"Job run {jobRunId} names no project.");
                var dir = artifactDir = Path.Combine(storage.Value.ModelsDir, $"project-{projectId}", $"run-{jobRunId}");
                var clock = Stopwatch.StartNew();
                monitor.Report(1, "Loading labels and items");
                var data = await LoadAsync(projectId, monitor.Token);
                var loadSeconds = clock.Elapsed.TotalSeconds;
                var result = await Task.Factory.StartNew(
                    () => Compute(jobRunId, data, dir, monitor),
                    monitor.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                monitor.Token.ThrowIfCancellationRequested();
                if (result.EncoderIgnored is { } why)
                {
                    logger.LogWarning("Job run {RunId}: project {ProjectId} trained from scratch because {Reason}; the loop pretrains it again",
                        jobRunId, projectId, why);
                    await RequestPretrainingAgainAsync(projectId, monitor.Token);
                }
                monitor.Report(96, "Publishing the new ranking");
                var computeSeconds = clock.Elapsed.TotalSeconds - loadSeconds;
                var metrics = result.Metrics with
                {
                    LoadSeconds = Math.Round(loadSeconds, 2),
                    ComputeSeconds = Math.Round(computeSeconds, 2),
                };
                var draft = new ModelVersionDraft(projectId, Path.GetRelativePath(storage.Value.FullDataDir, dir).Replace('\\', '/'),
                    metrics.StrategyUsed, data.LabelCount, JsonSerializer.Serialize(metrics, JsonOptions));
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
            }, cancellationToken);
        }
        finally
        {
            // An unpublished run's checkpoints are never referenced.
            if (artifactDir is not null && !published)
            {
                TryDelete(artifactDir);
            }
        }
    }

    /// <summary>
    /// Makes the project due for pretraining as if new, so its next encoder fits its models again, unless a
    /// pretraining is already queued or running (it resolves the project's colour mode when it starts).
    /// </summary>
    private async Task RequestPretrainingAgainAsync(int projectId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await db.Projects
            .Where(p => p.Id == projectId && p.PretrainEnabled && !db.JobRuns.Any(j => j.ProjectId == projectId
                && j.Kind == JobKind.Pretrain && (j.Status == JobStatus.Queued || j.Status == JobStatus.Running)))
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.PretrainItemCount, 0), cancellationToken);
    }

    /// <summary>Failures worth another try: the database or the disk, not the data or the code.</summary>
    public static bool IsTransient(Exception ex) => ex switch
    {
        TimeoutException or IOException => true,
        _ => DatabaseDialect.IsTransient(ex),
    };

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private sealed record LoadedItem(long Id, bool Labeled, int ClassIndex, string? BlobHash, string? Text, bool IsAudit);

    private sealed record TrainingData(
        ProjectKind Kind,
        IReadOnlyList<string> Labels,
        string Strategy,
        int ColdStartLabelsPerClass,
        int CommitteeSize,
        bool AllowFlip,
        int LabelCount,
        IReadOnlyList<LoadedItem> Items,
        IReadOnlyDictionary<long, string>? PreviousStopSet,
        string? EncoderDirectory,
        int? EncoderVersionId,
        FineTuneMode FineTune,
        int Channels,
        TextModel TextModel,
        int TrainingSteps,
        bool WarmStart,
        string? WarmStartCheckpoint,
        int WarmStartLabels);

    private sealed record ComputeResult(IReadOnlyList<PredictionRow> Rows, TrainingMetrics Metrics, string? EncoderIgnored);

    /// <summary>What a model version's <c>MetricsJson</c> holds (camelCase).</summary>
    /// <param name="AuditConfusion">Audit items by true class (rows) and predicted class (columns), in label order; null without an audit set.</param>
    /// <param name="StopSetAgreement">Share of the stop set predicted as the previous version did; null for the first version.</param>
    /// <param name="StrategyUsed">The strategy that ranked (<c>typical</c> during the cold start).</param>
    /// <param name="WarmStarted">The served model continued from the previous version's instead of starting over.</param>
    /// <param name="EncoderVersionId">The id of the project's encoder version when this version trained (the one its
    /// models started from); null when there was none. The next round continues from this version only under the same encoder.</param>
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
        double ComputeSeconds,
        int[][]? AuditConfusion = null,
        double? StopSetAgreement = null,
        int StopSetItems = 0,
        string StrategyUsed = "",
        int Channels = 1,
        bool? PretrainedEncoder = null,
        bool WarmStarted = false,
        int? EncoderVersionId = null);

    /// <summary>Share of items (percent, by a hash of the id) in the fixed stop set that versions are compared on.</summary>
    public const int StopSetPercent = 10;

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
            .Select(i => new { i.Id, i.Status, i.FinalLabel, i.BlobHash, i.Text, i.IsAudit })
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
                    items.Add(new LoadedItem(row.Id, true, c, row.BlobHash, row.Text, row.IsAudit));
                }
            }
            else
            {
                items.Add(new LoadedItem(row.Id, false, -1, row.BlobHash, row.Text, row.IsAudit));
            }
        }
        var labelCount = items.Count(i => i.Labeled);
        if (labelCount == 0)
        {
            throw new JobInputException($"Project '{project.Name}' has no labeled items yet; label some items first.");
        }
        // The latest version's predictions on the stop set, to measure how much this version changes them.
        var previous = await db.ModelVersions.AsNoTracking().Where(v => v.ProjectId == projectId)
            .OrderByDescending(v => v.Version).Select(v => (int?)v.Id).FirstOrDefaultAsync(cancellationToken);
        Dictionary<long, string>? previousStopSet = null;
        if (previous is { } previousId)
        {
            var stopIds = items.Where(i => InStopSet(i.Id)).Select(i => i.Id).ToList();
            previousStopSet = await db.Predictions.AsNoTracking()
                .Where(p => p.ModelVersionId == previousId && stopIds.Contains(p.ItemId))
                .ToDictionaryAsync(p => p.ItemId, p => p.Label, cancellationToken);
        }
        // Models start from the project's pretrained encoder when pretraining is on and one exists.
        var encoder = project.PretrainEnabled ? await encoders.GetActiveAsync(projectId, cancellationToken) : null;
        var encoderDirectory = encoder is null ? null : Path.Combine(storage.Value.FullDataDir, encoder.ArtifactPath);
        if (encoderDirectory is not null && !File.Exists(Path.Combine(encoderDirectory, Pretraining.PretrainRunner.CheckpointName)))
        {
            logger.LogWarning("Encoder version {Version} of project {ProjectId} has no checkpoint at {Directory}; training from scratch",
                encoder!.Version, projectId, encoderDirectory);
            encoderDirectory = null;
        }
        var encoderVersionId = encoderDirectory is null ? null : (int?)encoder!.Id;
        var (warmStart, warmStartLabels) = await WarmStartCheckpointAsync(db, projectId, project.WarmStart, encoderVersionId, cancellationToken);
        var channels = project.Kind == ProjectKind.Image ? (await colours.ResolveAsync(engine, project, cancellationToken)).Channels() : 1;
        return new TrainingData(project.Kind, labels, project.Strategy, project.ColdStartLabelsPerClass, Math.Clamp(project.CommitteeSize, 1, 20),
            project.AllowHorizontalFlip, labelCount, items, previousStopSet, encoderDirectory, encoderVersionId, project.FineTuneMode, channels,
            project.TextModel, project.TrainingSteps, project.WarmStart, warmStart, warmStartLabels);
    }

    /// <summary>
    /// The latest model version's served model, for this round to continue from: none when the project turned warm
    /// starts off, when there is no earlier version with a checkpoint, or when the project has an encoder other than the
    /// one that version trained under (pretrained again since: the round then starts over from the new encoder). The
    /// round itself checks that the architecture and classes still fit.
    /// </summary>
    /// <remarks>
    /// The encoder is compared by the version id each model version records (<see cref="TrainingMetrics.EncoderVersionId"/>),
    /// not by file times, which a copied or restored data directory, or a coarse file-system clock, can put in any order.
    /// A version from before the id was recorded counts as trained under no encoder.
    /// </remarks>
    private async Task<(string? Checkpoint, int Labels)> WarmStartCheckpointAsync(LabelLoopDbContext db, int projectId, bool enabled, int? encoderVersionId, CancellationToken cancellationToken)
    {
        if (!enabled)
        {
            return (null, 0);
        }
        var latest = await db.ModelVersions.AsNoTracking().Where(v => v.ProjectId == projectId)
            .OrderByDescending(v => v.Version).Select(v => new { v.ArtifactPath, v.LabelCount, v.MetricsJson }).FirstOrDefaultAsync(cancellationToken);
        if (latest is null || (encoderVersionId is not null && TrainedUnder(latest.MetricsJson) != encoderVersionId))
        {
            return (null, 0);
        }
        var checkpoint = ActiveLearningRound.ServedCheckpoint(Path.Combine(storage.Value.FullDataDir, latest.ArtifactPath));
        if (!File.Exists(checkpoint))
        {
            return (null, 0);
        }
        return (checkpoint, latest.LabelCount);
    }

    /// <summary>
    /// The encoder version a model version's metrics say it trained under, read back with the record and options they
    /// were written with; null for none (a version from before the field) or unreadable metrics.
    /// </summary>
    private static int? TrainedUnder(string metricsJson)
    {
        try
        {
            return JsonSerializer.Deserialize<TrainingMetrics>(metricsJson, JsonOptions)?.EncoderVersionId;
        }
        catch (JsonException)
        {
            return null;
        }
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
        // The audit set is the labeled audit picks (served uniformly at random, see ItemLeaseService): an unbiased
        // sample. It is held out only while enough other labels remain to train on.
        var audit = labeledIdx.Where(i => data.Items[i].IsAudit).ToList();
        if (labeledIdx.Count - audit.Count < MinTrainItemsBesideAudit)
        {
            audit = [];
        }
        var auditSet = audit.ToHashSet();
        var train = labeledIdx.Where(i => !auditSet.Contains(i)).ToList();
        var stopSet = Enumerable.Range(0, data.Items.Count).Where(i => InStopSet(data.Items[i].Id)).ToList();

        var classes = data.Labels.Count;
        var labelsByClass = new int[classes];
        foreach (var i in train)
        {
            labelsByClass[data.Items[i].ClassIndex]++;
        }
        var strategy = ColdStart.Resolve(data.Strategy, labelsByClass, data.ColdStartLabelsPerClass);
        var training = ProjectTraining(data.AllowFlip, data.TextModel, data.TrainingSteps, data.WarmStart, settings);
        var request = new RoundRequest
        {
            Spec = spec,
            Inputs = matrix,
            TrainRows = train,
            TrainLabels = train.Select(i => data.Items[i].ClassIndex).ToList(),
            PoolRows = poolIdx,
            EvaluationRows = [audit, stopSet],
            CommitteeSize = data.CommitteeSize,
            Strategy = strategy,
            BatchSize = SelectionBatch,
            Seed = runId,
            Training = training,
            CheckpointDirectory = artifactDir,
            EncoderCheckpoint = data.EncoderDirectory is { } encoderDir && !training.IsLinear(spec)
                ? Path.Combine(encoderDir, Pretraining.PretrainRunner.CheckpointName)
                : null,
            EncoderLearningRateMultiplier = RoundTraining.EncoderRateFor(data.FineTune),
            WarmStartCheckpoint = data.WarmStartCheckpoint,
            WarmStartLabels = data.WarmStartLabels,
        };
        Directory.CreateDirectory(artifactDir);
        var round = new ActiveLearningRound(engine).Run(request, p =>
        {
            monitor.Report(5 + (int)(p.Fraction * 80), p.Message);
            if (settings.EpochDelayMilliseconds > 0 && p.Message.StartsWith("Training", StringComparison.Ordinal))
            {
                token.WaitHandle.WaitOne(settings.EpochDelayMilliseconds);
            }
        }, token);

        monitor.Report(85, "Ranking the pool");
        var (accuracy, confusion) = AuditScores(audit.Select(i => data.Items[i].ClassIndex).ToList(), round.Evaluations[0], classes);
        var (agreement, compared) = StopSetAgreement(stopSet.Select(i => data.Items[i].Id).ToList(), round.Evaluations[1], data.Labels, data.PreviousStopSet);

        var selection = round.Selection;
        var committee = round.Pool;
        var mean = round.PoolMean;
        var members = committee.Members;
        var rows = new PredictionRow[poolIdx.Count];
        for (var r = 0; r < selection.Order.Length; r++)
        {
            var j = selection.Order[r];
            var p = mean.AsSpan(j * classes, classes).ToArray();
            var best = Math.Max(0, CommitteeOutput.ArgMax(p));
            var votes = members > 1 ? committee.Votes(j) : null;
            rows[r] = new PredictionRow(data.Items[poolIdx[j]].Id, data.Labels[best], p, selection.Scores[j], r + 1,
                Reason(selection.Strategy, data.Labels, p, votes));
        }
        var metrics = new TrainingMetrics(accuracy, audit.Count, train.Count, members, round.Epochs, round.BatchSize,
            round.MeanTrainLoss, rows.Length, 0, 0, confusion, agreement, compared, selection.Strategy,
            spec.IsText ? 1 : spec.Channels, data.EncoderDirectory is null || request.EncoderCheckpoint is null ? null : round.EncoderIgnored is null,
            round.WarmStarted, data.EncoderVersionId);
        return new ComputeResult(rows, metrics, round.EncoderIgnored);
    }

    /// <summary>
    /// How a project's members train, from its settings: flips only for mirror-invariant classes, its text model, its
    /// fixed step count or (0) the automatic budget. The live loop and the simulation job both use it.
    /// </summary>
    public static RoundTraining ProjectTraining(bool allowFlip, TextModel textModel, int trainingSteps, bool warmStart, JobsOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new RoundTraining
        {
            FixedSteps = trainingSteps,
            MinEpochs = settings.MinEpochs,
            MaxEpochs = settings.MaxEpochs,
            TextModel = textModel,
            WarmStart = warmStart,
            Augmentations = allowFlip ? ImageAugmentations.Default | ImageAugmentations.HorizontalFlip : ImageAugmentations.Default,
        };
    }

    /// <summary>Items chosen per round as one diverse batch; the ranking continues past it by score.</summary>
    public const int SelectionBatch = 20;

    private const int MinTrainItemsBesideAudit = 10;

    /// <summary>Accuracy and confusion matrix (true class rows, predicted columns) of mean probabilities; nulls for no items.</summary>
    internal static (double? Accuracy, int[][]? Confusion) AuditScores(IReadOnlyList<int> truth, float[] mean, int classes)
    {
        if (truth.Count == 0)
        {
            return (null, null);
        }
        var confusion = Enumerable.Range(0, classes).Select(_ => new int[classes]).ToArray();
        var correct = 0;
        for (var j = 0; j < truth.Count; j++)
        {
            var predicted = Math.Max(0, CommitteeOutput.ArgMax(mean.AsSpan(j * classes, classes)));
            confusion[truth[j]][predicted]++;
            if (predicted == truth[j])
            {
                correct++;
            }
        }
        return (Math.Round((double)correct / truth.Count, 4), confusion);
    }

    /// <summary>Share of stop-set items the previous version predicted that this version predicts the same way.</summary>
    internal static (double? Agreement, int Compared) StopSetAgreement(
        IReadOnlyList<long> itemIds, float[] mean, IReadOnlyList<string> labels, IReadOnlyDictionary<long, string>? previous)
    {
        if (previous is null)
        {
            return (null, 0);
        }
        var classes = labels.Count;
        var compared = 0;
        var same = 0;
        for (var j = 0; j < itemIds.Count; j++)
        {
            if (previous.TryGetValue(itemIds[j], out var before))
            {
                compared++;
                if (labels[Math.Max(0, CommitteeOutput.ArgMax(mean.AsSpan(j * classes, classes)))] == before)
                {
                    same++;
                }
            }
        }
        return compared == 0 ? (null, 0) : (Math.Round((double)same / compared, 4), compared);
    }

    private (ModelSpec Spec, InputMatrix Matrix) Encode(TrainingData data, JobsOptions settings, CancellationToken token)
    {
        if (data.Kind == ProjectKind.Text)
        {
            var texts = data.Items.Select(i => i.Text ?? "").ToList();
            // A pretrained encoder reads the token ids of its own vocabulary: use the tokenizer it was trained with.
            var saved = data.EncoderDirectory is { } dir ? Path.Combine(dir, Pretraining.PretrainRunner.TokenizerName) : null;
            TextTokenizer tokenizer;
            if (saved is not null && File.Exists(saved))
            {
                using var stream = File.OpenRead(saved);
                tokenizer = TextTokenizer.Load(stream);
            }
            else
            {
                tokenizer = TextTokenizer.Build(texts, cancellationToken: token);
            }
            var encoded = tokenizer.Encode(texts, token);
            return (ModelSpec.ForText(data.Labels.Count, tokenizer), InputMatrix.OfTokens(encoded.Ids, encoded.MaxTokens, texts));
        }
        var size = settings.ImageSize;
        var pixels = images.Load(engine, data.Items.Select(i => i.BlobHash!).ToList(), data.Channels, size, token);
        return (ModelSpec.ForImages(data.Labels.Count, data.Channels, size) with { Width = settings.ModelWidth },
            InputMatrix.OfPixels(pixels, data.Channels * size * size));
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

    /// <summary>Whether an item is in the fixed stop set (a hash bucket of its id).</summary>
    internal static bool InStopSet(long itemId) => (int)((((ulong)itemId * 11400714819323198485UL) >> 32) % 100) < StopSetPercent;

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
}
