using LabelLoop.Core.Projects;
using LabelLoop.Core.Strategies;
using LabelLoop.Ml;

namespace LabelLoop.Jobs.Training;

/// <summary>How a round trains each committee member; epochs follow from the label count.</summary>
public sealed record RoundTraining
{
    /// <summary>Optimizer steps each member aims for.</summary>
    public int TargetSteps { get; init; } = 120;

    public int MinEpochs { get; init; } = 4;

    public int MaxEpochs { get; init; } = 40;

    public float LearningRate { get; init; } = 2e-3f;

    public ImageAugmentations Augmentations { get; init; } = ImageAugmentations.Default;

    /// <summary>Monte Carlo dropout passes in all (spread over the members), for strategies that read them.</summary>
    public int MonteCarloPasses { get; init; } = 10;

    /// <summary>Pool items that get Monte Carlo passes: a random sample when the pool is larger.</summary>
    public int MonteCarloSample { get; init; } = 2000;

    /// <summary>Items per engine call when predicting.</summary>
    public int PredictChunk { get; init; } = 4096;

    /// <summary>The encoder's learning rate relative to the head's for a fine-tune mode: a tenth, or 0 (frozen).</summary>
    public static float EncoderRateFor(FineTuneMode mode) => mode == FineTuneMode.Freeze ? 0f : 0.1f;
}

/// <summary>One round's input: the inputs of every item, which rows to train on, which to rank, which to evaluate.</summary>
public sealed record RoundRequest
{
    public required ModelSpec Spec { get; init; }

    public required InputMatrix Inputs { get; init; }

    /// <summary>Rows of <see cref="Inputs"/> to train on, with their class indices.</summary>
    public required IReadOnlyList<int> TrainRows { get; init; }

    public required IReadOnlyList<int> TrainLabels { get; init; }

    /// <summary>Rows to score and rank (the unlabeled pool).</summary>
    public required IReadOnlyList<int> PoolRows { get; init; }

    /// <summary>Further row sets to predict with the committee (audit, stop set, a test split); their mean probabilities come back in order.</summary>
    public IReadOnlyList<IReadOnlyList<int>> EvaluationRows { get; init; } = [];

    public int CommitteeSize { get; init; } = 1;

    /// <summary>The strategy to rank with (already resolved for the cold start).</summary>
    public required string Strategy { get; init; }

    public int BatchSize { get; init; } = 20;

    /// <summary>Seeds the members (bootstrap samples, weights, training) and the strategy.</summary>
    public long Seed { get; init; } = 1;

    public RoundTraining Training { get; init; } = new();

    /// <summary>Where to write each member's checkpoint (<c>member-N.ckpt</c>); null writes none.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>A pretrained encoder's checkpoint every member starts from (its encoder weights; heads start fresh), or null.</summary>
    public string? EncoderCheckpoint { get; init; }

    /// <summary>The encoder's learning rate relative to the head's when starting from <see cref="EncoderCheckpoint"/>: 0.1 fine-tunes, 0 freezes.</summary>
    public float EncoderLearningRateMultiplier { get; init; } = 1f;
}

/// <summary>A round's progress: the share done (0-1) and what is happening.</summary>
public sealed record RoundProgress(double Fraction, string Message);

/// <summary>What a round produced.</summary>
/// <param name="Selection">The ranking of <see cref="RoundRequest.PoolRows"/> (indices into it), the batch first.</param>
/// <param name="Pool">The committee's probabilities over the pool.</param>
/// <param name="PoolMean">The committee's mean probabilities over the pool, items x classes.</param>
/// <param name="Evaluations">Mean probabilities for each of <see cref="RoundRequest.EvaluationRows"/>.</param>
/// <param name="EncoderIgnored">Why <see cref="RoundRequest.EncoderCheckpoint"/> was not used (the members trained from
/// scratch); null when it was used or none was given.</param>
public sealed record RoundResult(
    Selection Selection,
    CommitteeOutput Pool,
    float[] PoolMean,
    IReadOnlyList<float[]> Evaluations,
    int Epochs,
    int BatchSize,
    double MeanTrainLoss,
    string? EncoderIgnored = null);

/// <summary>
/// One active-learning round, the same for the live loop (<see cref="TrainingRunner"/>) and the offline
/// simulator: train a committee (bootstrap resamples with their own seeds; the whole set for a committee of
/// one), predict the pool and the evaluation sets, add Monte Carlo passes or embeddings only when the strategy
/// reads them, then score and rank with <see cref="QueryStrategies.Select"/>.
/// </summary>
/// <remarks>Synchronous and compute-bound: run it on a background thread.</remarks>
public sealed class ActiveLearningRound(IModelEngine engine)
{
    public RoundResult Run(RoundRequest request, Action<RoundProgress>? progress = null, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.TrainRows.Count == 0 || request.TrainRows.Count != request.TrainLabels.Count)
        {
            throw new ArgumentException("A round needs at least one training row and one label per row.", nameof(request));
        }
        var settings = request.Training;
        var members = Math.Max(1, request.CommitteeSize);
        var classes = request.Spec.Classes;
        var train = request.TrainRows;
        var batchSize = Math.Clamp(train.Count / 4, 8, 64);
        var epochs = Math.Clamp((int)Math.Ceiling((double)settings.TargetSteps * batchSize / train.Count), settings.MinEpochs, settings.MaxEpochs);
        var augmentations = request.Spec.IsText ? ImageAugmentations.None : settings.Augmentations;
        var needs = QueryStrategies.Needs(request.Strategy);

        var models = new List<EngineModel>(members);
        try
        {
            var losses = new List<double>();
            var (encoder, encoderIgnored) = LoadEncoder(request);
            using var encoderScope = encoder;
            for (var m = 0; m < members; m++)
            {
                token.ThrowIfCancellationRequested();
                var random = new Random(unchecked((int)(request.Seed * 7919) + m));
                var sample = members == 1
                    ? Enumerable.Range(0, train.Count).ToList()
                    : Enumerable.Range(0, train.Count).Select(_ => random.Next(train.Count)).ToList();
                var rows = sample.Select(i => train[i]).ToList();
                var labels = sample.Select(i => request.TrainLabels[i]).ToArray();
                var memberSeed = (request.Seed * 100) + m + 1;
                var model = engine.CreateModel(request.Spec with { Seed = memberSeed });
                models.Add(model);
                if (encoder is not null)
                {
                    engine.CopyEncoder(encoder, model);
                }
                var options = new TrainingOptions
                {
                    Epochs = epochs,
                    BatchSize = batchSize,
                    LearningRate = settings.LearningRate,
                    ValidationFraction = 0,
                    Patience = 0,
                    Augmentations = augmentations,
                    EncoderLearningRateMultiplier = encoder is null ? 1f : request.EncoderLearningRateMultiplier,
                    Seed = memberSeed,
                };
                var member = m;
                var reporter = progress is null ? null : new SyncProgress(p => progress(new RoundProgress(
                    (member + ((double)p.Epoch / Math.Max(1, p.Epochs))) / members * 0.9,
                    FormattableString.Invariant($"Training member {member + 1}/{members}: epoch {p.Epoch}/{p.Epochs}, loss {p.TrainLoss:F3}"))));
                var result = engine.Train(model, request.Inputs.Gather(rows), labels, options, reporter, token);
                losses.Add(result.FinalTrainLoss);
                if (request.CheckpointDirectory is { } dir)
                {
                    Directory.CreateDirectory(dir);
                    engine.SaveModel(model, Path.Combine(dir, $"member-{m}.ckpt"));
                }
            }

            progress?.Invoke(new RoundProgress(0.9, "Scoring the pool"));
            var pool = new float[(long)members * request.PoolRows.Count * classes];
            for (var m = 0; m < members; m++)
            {
                Predict(models[m], request.Inputs, request.PoolRows, pool.AsSpan((int)((long)m * request.PoolRows.Count * classes), request.PoolRows.Count * classes), settings.PredictChunk, token);
            }
            var committee = new CommitteeOutput(members, request.PoolRows.Count, classes, pool);
            var evaluations = new List<float[]>();
            foreach (var rows in request.EvaluationRows)
            {
                var probabilities = new float[(long)members * rows.Count * classes];
                for (var m = 0; m < members; m++)
                {
                    Predict(models[m], request.Inputs, rows, probabilities.AsSpan((int)((long)m * rows.Count * classes), rows.Count * classes), settings.PredictChunk, token);
                }
                evaluations.Add(new CommitteeOutput(members, rows.Count, classes, probabilities).Mean());
            }

            var input = new SelectionInput { Committee = committee, BatchSize = request.BatchSize, Seed = request.Seed };
            if (needs.HasFlag(StrategyNeeds.MonteCarlo) && request.PoolRows.Count > 0)
            {
                input = AddMonteCarlo(input, models, request, token);
            }
            if (needs.HasFlag(StrategyNeeds.Embeddings) && request.PoolRows.Count > 0)
            {
                // The first member's encoder: members share one when there is a pretrained encoder, and one view
                // of the geometry is what diversity needs.
                var dim = request.Spec.EmbeddingDim;
                input = input with
                {
                    PoolEmbeddings = Embed(models[0], request.Inputs, request.PoolRows, dim, settings.PredictChunk, token),
                    LabeledEmbeddings = Embed(models[0], request.Inputs, train.Distinct().ToList(), dim, settings.PredictChunk, token),
                    EmbeddingDim = dim,
                };
            }
            token.ThrowIfCancellationRequested();
            progress?.Invoke(new RoundProgress(0.97, "Ranking the pool"));
            var selection = QueryStrategies.Select(request.Strategy, input);
            return new RoundResult(selection, committee, committee.Mean(), evaluations, epochs, batchSize,
                Math.Round(losses.Count == 0 ? 0 : losses.Average(), 4), encoderIgnored);
        }
        finally
        {
            foreach (var model in models)
            {
                model.Dispose();
            }
        }
    }

    /// <summary>
    /// The pretrained encoder when it fits the request's architecture. One made for another channel count or image
    /// size (the project's colour mode changed since), or one that cannot be read, is left out: the members train
    /// from scratch until the project is pretrained again.
    /// </summary>
    private (EngineModel? Encoder, string? Ignored) LoadEncoder(RoundRequest request)
    {
        if (request.EncoderCheckpoint is not { } path)
        {
            return (null, null);
        }
        EngineModel encoder;
        try
        {
            encoder = engine.LoadModel(path);
        }
        catch (Exception ex) when (ex is LabelLoopNativeException or IOException or InvalidDataException)
        {
            return (null, $"the encoder checkpoint cannot be read: {ex.Message}");
        }
        if (!encoder.Spec.HasEncoderOf(request.Spec))
        {
            var (have, want) = (encoder.Spec, request.Spec);
            encoder.Dispose();
            return (null, have.IsText
                ? "the encoder was pretrained with another vocabulary or architecture"
                : FormattableString.Invariant($"the encoder was pretrained on {have.Channels}-channel {have.ImageSize}x{have.ImageSize} images (width {have.Width}) but the model reads {want.Channels}-channel {want.ImageSize}x{want.ImageSize} images (width {want.Width})"));
        }
        return (encoder, null);
    }

    private SelectionInput AddMonteCarlo(SelectionInput input, List<EngineModel> models, RoundRequest request, CancellationToken token)
    {
        var settings = request.Training;
        var poolCount = request.PoolRows.Count;
        List<int>? covered = null;
        if (poolCount > settings.MonteCarloSample)
        {
            // Mutual information needs many passes per item: score a uniform sample of a large pool.
            var random = new Random(unchecked((int)request.Seed) ^ 0x5eed);
            covered = Enumerable.Range(0, poolCount).OrderBy(_ => random.Next()).Take(settings.MonteCarloSample).Order().ToList();
        }
        var rows = covered is null ? request.PoolRows : covered.Select(i => request.PoolRows[i]).ToList();
        var perMember = Math.Max(2, (int)Math.Ceiling((double)settings.MonteCarloPasses / models.Count));
        var classes = request.Spec.Classes;
        var all = new float[(long)perMember * models.Count * rows.Count * classes];
        for (var m = 0; m < models.Count; m++)
        {
            token.ThrowIfCancellationRequested();
            for (var start = 0; start < rows.Count; start += settings.PredictChunk)
            {
                var chunk = rows.Skip(start).Take(settings.PredictChunk).ToList();
                var passes = engine.PredictMonteCarlo(models[m], request.Inputs.Gather(chunk), perMember, request.Seed + m);
                for (var t = 0; t < perMember; t++)
                {
                    var pass = (m * perMember) + t;
                    passes.AsSpan(t * chunk.Count * classes, chunk.Count * classes)
                        .CopyTo(all.AsSpan((int)((((long)pass * rows.Count) + start) * classes)));
                }
            }
        }
        return input with { MonteCarlo = all, MonteCarloPasses = perMember * models.Count, MonteCarloItems = covered };
    }

    private void Predict(EngineModel model, InputMatrix inputs, IReadOnlyList<int> rows, Span<float> output, int chunkSize, CancellationToken token)
    {
        var classes = model.Spec.Classes;
        for (var start = 0; start < rows.Count; start += chunkSize)
        {
            token.ThrowIfCancellationRequested();
            var chunk = Slice(rows, start, chunkSize);
            var probabilities = engine.PredictProbabilities(model, inputs.Gather(chunk));
            probabilities.AsSpan(0, chunk.Count * classes).CopyTo(output[(start * classes)..]);
        }
    }

    private float[] Embed(EngineModel model, InputMatrix inputs, IReadOnlyList<int> rows, int dim, int chunkSize, CancellationToken token)
    {
        var output = new float[(long)rows.Count * dim];
        for (var start = 0; start < rows.Count; start += chunkSize)
        {
            token.ThrowIfCancellationRequested();
            var chunk = Slice(rows, start, chunkSize);
            var embedded = engine.Embed(model, inputs.Gather(chunk));
            embedded.AsSpan(0, chunk.Count * dim).CopyTo(output.AsSpan(start * dim));
        }
        return output;
    }

    private static List<int> Slice(IReadOnlyList<int> rows, int start, int count)
    {
        var n = Math.Min(count, rows.Count - start);
        var slice = new List<int>(n);
        for (var i = 0; i < n; i++)
        {
            slice.Add(rows[start + i]);
        }
        return slice;
    }

    /// <summary>Reports on the calling (training) thread, unlike <see cref="Progress{T}"/>, which posts elsewhere.</summary>
    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
