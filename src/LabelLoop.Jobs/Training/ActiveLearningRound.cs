using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;
using LabelLoop.Core.Strategies;
using LabelLoop.Ml;

namespace LabelLoop.Jobs.Training;

/// <summary>How a round trains each committee member; epochs follow from the label count.</summary>
public sealed record RoundTraining
{
    /// <summary>Optimizer steps each neural member trains; 0 picks them from the label count (<see cref="TrainingSchedule.StepsFor"/>).</summary>
    public int FixedSteps { get; init; }

    public int MinEpochs { get; init; } = 1;

    /// <summary>A cap on passes over the labels (the step budget decides first).</summary>
    public int MaxEpochs { get; init; } = 1000;

    /// <summary>Adam's peak rate (cosine decay within a round): 4e-3, at which the few-label rounds gain 1-3 points over 2e-3 at the same steps.</summary>
    public float LearningRate { get; init; } = 4e-3f;

    /// <summary>Image augmentations: no mirror flips unless the project says its classes are mirror-invariant.</summary>
    public ImageAugmentations Augmentations { get; init; } = ImageAugmentations.Default;

    /// <summary>Whether a round continues from the previous round's model (when it fits) rather than starting over.</summary>
    public bool WarmStart { get; init; } = true;

    /// <summary>Text projects: the linear model (the default) or the neural encoder.</summary>
    public TextModel TextModel { get; init; } = TextModel.Linear;

    /// <summary>
    /// The linear text model's inverse regularisation strength (larger regularises less). 100 rather than the common
    /// 10: with a few hundred short texts a weaker penalty keeps the rarer classes from collapsing into the largest one
    /// (bench/active-learning.md: 1 point more accuracy over 100-300 labels, 3 seeds, random and margin).
    /// </summary>
    public double LinearC { get; init; } = 100;

    /// <summary>The same for the heads a neural committee trains on its first member's embeddings.</summary>
    public double HeadC { get; init; } = 1;

    /// <summary>Monte Carlo dropout passes in all (spread over the members), for strategies that read them.</summary>
    public int MonteCarloPasses { get; init; } = 10;

    /// <summary>Pool items that get Monte Carlo passes: a random sample when the pool is larger.</summary>
    public int MonteCarloSample { get; init; } = 2000;

    /// <summary>Items per engine call when predicting.</summary>
    public int PredictChunk { get; init; } = 4096;

    /// <summary>
    /// The encoder's learning rate relative to the head's for a fine-tune mode: the same rate, or 0 (frozen). The
    /// pretrained encoder is where a model starts, not a part to protect: at a tenth of the head's rate (as before) the
    /// models fell up to 1.6 points below training from scratch on the Fashion-MNIST sample; at the same rate they are
    /// level with it or above, and 1 to 2 points above it at 60 labels (bench/pretraining.md).
    /// </summary>
    public static float EncoderRateFor(FineTuneMode mode) => mode == FineTuneMode.Freeze ? 0f : 1f;

    /// <summary>Whether a model of <paramref name="spec"/> is the linear text model under these settings.</summary>
    public bool IsLinear(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.IsText && TextModel == TextModel.Linear;
    }
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

    /// <summary>Further row sets to predict with the served model (audit, stop set, a test split); its probabilities come back in order.</summary>
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

    /// <summary>
    /// The previous round's served model (<see cref="ActiveLearningRound.ServedCheckpoint"/>), or null. When it fits the request's architecture
    /// and classes, the first member continues from it for <see cref="TrainingSchedule.WarmStepsFor"/> steps instead
    /// of starting over.
    /// </summary>
    public string? WarmStartCheckpoint { get; init; }

    /// <summary>How many labels the <see cref="WarmStartCheckpoint"/> model learnt from: the rest are new to it and add to a warm round's steps. 0 counts every label as new.</summary>
    public int WarmStartLabels { get; init; }
}

/// <summary>A round's progress: the share done (0-1) and what is happening.</summary>
public sealed record RoundProgress(double Fraction, string Message);

/// <summary>What a round produced.</summary>
/// <param name="Selection">The ranking of <see cref="RoundRequest.PoolRows"/> (indices into it), the batch first.</param>
/// <param name="Pool">The committee's probabilities over the pool.</param>
/// <param name="PoolMean">The served model's (the first member's, trained on every label) probabilities over the pool, items x classes.</param>
/// <param name="Evaluations">The served model's probabilities for each of <see cref="RoundRequest.EvaluationRows"/>.</param>
/// <param name="EvaluationSeconds">Time spent predicting <see cref="RoundRequest.EvaluationRows"/>.</param>
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
    string? EncoderIgnored = null,
    bool WarmStarted = false,
    double EvaluationSeconds = 0);

/// <summary>
/// One active-learning round, the same for the live loop (<see cref="TrainingRunner"/>) and the offline
/// simulator: train a committee (the first member on every label, the others with their own seeds: linear text models
/// on <see cref="StratifiedBootstrap"/> resamples, or for neural models cheap heads on the first member's embeddings,
/// each on a <see cref="CommitteeSample"/>), predict the pool with every member and the evaluation sets with the
/// first, add Monte Carlo passes or embeddings only when the strategy
/// reads them, then score and rank with <see cref="QueryStrategies.Select"/>.
/// </summary>
/// <remarks>Synchronous and compute-bound: run it on a background thread.</remarks>
public sealed class ActiveLearningRound(IModelEngine engine)
{
    /// <summary>
    /// The served model's checkpoint among those a round writes to <paramref name="directory"/>
    /// (<see cref="RoundRequest.CheckpointDirectory"/>, one <c>member-N</c> file per member): the one the next round
    /// warm-starts from.
    /// </summary>
    public static string ServedCheckpoint(string directory) => Path.Combine(directory, "member-0.ckpt");

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
        var linear = settings.IsLinear(request.Spec);
        var batchSize = linear ? train.Count : TrainingSchedule.BatchSizeFor(train.Count);
        var steps = TrainingSchedule.StepsFor(train.Count, settings.FixedSteps);
        // Passes over the labels that give a neural member its optimizer steps.
        int EpochsFor(int optimizerSteps) =>
            Math.Clamp((int)Math.Ceiling((double)optimizerSteps * batchSize / train.Count), settings.MinEpochs, settings.MaxEpochs);
        var epochs = linear ? 0 : EpochsFor(steps);
        var augmentations = request.Spec.IsText ? ImageAugmentations.None : settings.Augmentations;
        var needs = QueryStrategies.Needs(request.Strategy);

        var models = new List<Member>(members);
        try
        {
            var losses = new List<double>();
            // The linear text model reads hashed word and character features, not an encoder.
            var (encoder, encoderIgnored) = linear ? (null, null) : LoadEncoder(request);
            using var encoderScope = encoder;
            var features = linear ? request.Inputs.TextFeatures : null;
            var warmStarted = false;
            // When the round reads the served network's embeddings (committee heads, diverse or coverage strategies),
            // one pass over every item gives them and its probabilities together: the encoder runs once, not twice.
            var onePass = !linear && (members > 1 || needs.HasFlag(StrategyNeeds.Embeddings));
            // The first member learns from every label: it is the model whose predictions are served and measured.
            // The others are resamples (linear text members) or every label plus a resample (heads on the network's
            // embeddings); their disagreement is what the committee strategies read.
            (List<int> Rows, int[] Labels) SampleFor(int m)
            {
                var random = new Random(unchecked((int)(request.Seed * 7919) + m));
                var sample = m == 0 ? Enumerable.Range(0, train.Count).ToList()
                    : linear ? StratifiedBootstrap(request.TrainLabels, random)
                    : CommitteeSample(request.TrainLabels, random);
                return (sample.Select(i => train[i]).ToList(), sample.Select(i => request.TrainLabels[i]).ToArray());
            }
            // The members after the first and the features they read, made together when the second member is reached.
            (SoftmaxRegression[] Members, SparseFeatures Features)? others = null;
            for (var m = 0; m < members; m++)
            {
                token.ThrowIfCancellationRequested();
                var memberSeed = (request.Seed * 100) + m + 1;
                Member member;
                if (m > 0)
                {
                    if (others is null)
                    {
                        // The other members: linear text models that start from the first one's weights, or cheap
                        // heads on the first network's embeddings of every item. Each depends only on its own sample
                        // and seed, so they train side by side, one per core; the order they finish in does not matter.
                        // The network's training reported progress up to (members - 1) / members of the training share.
                        progress?.Invoke(new RoundProgress((linear ? 1.0 / members : (members - 1.0) / members) * 0.9,
                            FormattableString.Invariant($"Training members 2-{members} ({(linear ? "linear" : "heads")})")));
                        var source = features ?? SparseFeatures.FromDense(
                            models[0].Embed(request.Inputs, Enumerable.Range(0, request.Inputs.Rows).ToList(), settings.PredictChunk, token),
                            models[0].EmbeddingDim);
                        var start = linear ? ((LinearMember)models[0]).Regression : null;
                        var c = linear ? settings.LinearC : settings.HeadC;
                        var trained = new SoftmaxRegression[members - 1];
                        Parallel.For(1, members, new ParallelOptions { CancellationToken = token }, j =>
                        {
                            var (rows, labels) = SampleFor(j);
                            trained[j - 1] = SoftmaxRegression.Train(source, rows, labels, classes, c, start: start, token: token);
                        });
                        others = (trained, source);
                    }
                    var regression = others.Value.Members[m - 1];
                    if (linear)
                    {
                        losses.Add(regression.FinalLoss);
                        epochs = Math.Max(epochs, regression.Iterations);
                    }
                    member = new LinearMember(regression, others.Value.Features);
                    models.Add(member);
                }
                else if (features is not null)
                {
                    progress?.Invoke(new RoundProgress(0, $"Training member 1/{members} (linear)"));
                    var (rows, labels) = SampleFor(0);
                    var regression = SoftmaxRegression.Train(features, rows, labels, classes, settings.LinearC, token: token);
                    losses.Add(regression.FinalLoss);
                    epochs = Math.Max(epochs, regression.Iterations);
                    member = new LinearMember(regression, features);
                    models.Add(member);
                }
                else
                {
                    var model = LoadWarmStart(request);
                    warmStarted = model is not null;
                    if (model is null)
                    {
                        model = engine.CreateModel(request.Spec with { Seed = memberSeed });
                        if (encoder is not null)
                        {
                            engine.CopyEncoder(encoder, model);
                        }
                    }
                    else
                    {
                        // A warm round continues where the previous model stopped: a fraction of the cold budget.
                        epochs = EpochsFor(TrainingSchedule.WarmStepsFor(train.Count, settings.FixedSteps, train.Count - request.WarmStartLabels));
                    }
                    var network = new EngineMember(engine, model);
                    member = network;
                    var (rows, labels) = SampleFor(0);
                    models.Add(member);
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
                    var index = m;
                    var reporter = progress is null ? null : new SyncProgress(p => progress(new RoundProgress(
                        ((double)p.Epoch / Math.Max(1, p.Epochs)) * 0.9 * (members == 1 ? 1 : (members - 1.0) / members),
                        FormattableString.Invariant($"Training member {index + 1}/{members}: epoch {p.Epoch}/{p.Epochs}, loss {p.TrainLoss:F3}"))));
                    var result = engine.Train(model, request.Inputs.Gather(rows), labels, options, reporter, token);
                    losses.Add(result.FinalTrainLoss);
                    if (onePass)
                    {
                        network.ScoreEverything(request.Inputs, settings.PredictChunk, token);
                    }
                }
                if (request.CheckpointDirectory is { } dir)
                {
                    Directory.CreateDirectory(dir);
                    member.Save(Path.Combine(dir, $"member-{m}{member.FileExtension}"));
                }
            }

            progress?.Invoke(new RoundProgress(0.9, "Scoring the pool"));
            var pool = new float[(long)members * request.PoolRows.Count * classes];
            for (var m = 0; m < members; m++)
            {
                var into = pool.AsSpan((int)((long)m * request.PoolRows.Count * classes), request.PoolRows.Count * classes);
                models[m].Predict(request.Inputs, request.PoolRows, into, settings.PredictChunk, token);
            }
            // A neural committee is the network and heads on its embeddings: the vote is the heads' (at least two of
            // them), which disagree where the labels leave an item open. With the network's vote counted too, qbc-vote
            // fell 0.9 points below random at 100 labels on Fashion-MNIST; the heads alone are 0.9 above it (10 seeds,
            // bench/active-learning.md). Linear text members are all of one kind, and all vote.
            var committee = new CommitteeOutput(members, request.PoolRows.Count, classes, pool, firstVoter: !linear && members > 2 ? 1 : 0);
            var evaluations = new List<float[]>();
            var evaluationClock = System.Diagnostics.Stopwatch.StartNew();
            foreach (var rows in request.EvaluationRows)
            {
                var probabilities = new float[(long)rows.Count * classes];
                models[0].Predict(request.Inputs, rows, probabilities, settings.PredictChunk, token);
                evaluations.Add(probabilities);
            }
            var evaluationSeconds = evaluationClock.Elapsed.TotalSeconds;

            var input = new SelectionInput { Committee = committee, BatchSize = request.BatchSize, Seed = request.Seed };
            if (needs.HasFlag(StrategyNeeds.MonteCarlo) && request.PoolRows.Count > 0)
            {
                input = AddMonteCarlo(input, models, request, token);
            }
            if (needs.HasFlag(StrategyNeeds.Embeddings) && request.PoolRows.Count > 0)
            {
                // One view of the geometry is what diversity needs: the first member's encoder (members share one
                // when there is a pretrained encoder). The cold start's typical items are the exception: they stand
                // for the pool's clusters, which the encoder pretrained on the whole pool describes, while a network
                // fine-tuned on a few labels has bent its space around those labels.
                Func<IReadOnlyList<int>, float[]> embed = encoder is not null && request.Strategy == QueryStrategies.Typical
                    ? rows => EmbedWith(engine, encoder, request.Inputs, rows, settings.PredictChunk, token)
                    : rows => models[0].Embed(request.Inputs, rows, settings.PredictChunk, token);
                input = input with
                {
                    PoolEmbeddings = embed(request.PoolRows),
                    LabeledEmbeddings = embed(train.Distinct().ToList()),
                    EmbeddingDim = models[0].EmbeddingDim,
                };
            }
            token.ThrowIfCancellationRequested();
            progress?.Invoke(new RoundProgress(0.97, "Ranking the pool"));
            var selection = QueryStrategies.Select(request.Strategy, input);
            var served = pool.AsSpan(0, request.PoolRows.Count * classes).ToArray();
            return new RoundResult(selection, committee, served, evaluations, epochs, batchSize,
                Math.Round(losses.Count == 0 ? 0 : losses.Average(), 4), encoderIgnored, warmStarted, evaluationSeconds);
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
        catch (Exception ex) when (ex is ModelEngineException or IOException or InvalidDataException)
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

    /// <summary>
    /// A bootstrap resample drawn class by class: each class keeps its count, drawn with replacement from its own
    /// items. A plain bootstrap of a few dozen labels drops whole classes from some members, and their disagreement
    /// then says which member missed a class rather than which items are uncertain. The linear text committee's
    /// members train on it.
    /// </summary>
    public static List<int> StratifiedBootstrap(IReadOnlyList<int> labels, Random random)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(random);
        var sample = new List<int>(labels.Count);
        foreach (var group in Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]).OrderBy(g => g.Key))
        {
            var items = group.ToArray();
            for (var k = 0; k < items.Length; k++)
            {
                sample.Add(items[random.Next(items.Length)]);
            }
        }
        return sample;
    }

    /// <summary>
    /// The rows a committee head on the network's embeddings trains on: every label once, plus a
    /// <see cref="StratifiedBootstrap"/> of them. Each head sees every label and weighs a random part of them twice or
    /// more, so the heads disagree where the labels leave the answer open rather than where one of them never saw an
    /// item.
    /// </summary>
    /// <remarks>
    /// A resample alone leaves a class of two labels to a single item in half the heads. On the Fashion-MNIST sample
    /// <c>qbc-vote</c> then fell 2 to 4 points below random from 60 to 140 labels; with every label kept it gained 1 to
    /// 2.6 points at every count from 60 to 300 labels (10 seeds, bench/active-learning.md). The linear text
    /// committee keeps the plain resample: there the same change measured no gain.
    /// </remarks>
    public static List<int> CommitteeSample(IReadOnlyList<int> labels, Random random)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var sample = new List<int>(2 * labels.Count);
        sample.AddRange(Enumerable.Range(0, labels.Count));
        sample.AddRange(StratifiedBootstrap(labels, random));
        return sample;
    }

    /// <summary>
    /// The previous round's model when warm starts are on and there is one of the same architecture and classes; null
    /// when they are off, too many labels are new since it (<see cref="TrainingSchedule.ContinuesWarm"/>), there is
    /// none, it cannot be read, or the project changed since (another label set, colour mode or model): then the round
    /// starts over.
    /// </summary>
    private EngineModel? LoadWarmStart(RoundRequest request)
    {
        var labels = request.TrainRows.Count;
        if (!request.Training.WarmStart || request.Training.IsLinear(request.Spec)
            || !TrainingSchedule.ContinuesWarm(labels, labels - request.WarmStartLabels)
            || request.WarmStartCheckpoint is not { } path || !File.Exists(path))
        {
            return null;
        }
        EngineModel model;
        try
        {
            model = engine.LoadModel(path);
        }
        catch (Exception ex) when (ex is ModelEngineException or IOException or InvalidDataException)
        {
            return null;
        }
        if (!model.Spec.HasEncoderOf(request.Spec) || model.Spec.Classes != request.Spec.Classes)
        {
            model.Dispose();
            return null;
        }
        return model;
    }

    private static SelectionInput AddMonteCarlo(SelectionInput input, List<Member> models, RoundRequest request, CancellationToken token)
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
                var passes = models[m].MonteCarlo(request.Inputs, chunk, perMember, request.Seed + m);
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

    /// <summary>Embeddings of <paramref name="rows"/> by any model of the engine (a member, the pretrained encoder, or the untrained network <c>simulate</c> starts from), chunk by chunk.</summary>
    internal static float[] EmbedWith(IModelEngine engine, EngineModel model, InputMatrix inputs, IReadOnlyList<int> rows, int chunkSize, CancellationToken token)
    {
        var dim = model.Spec.EmbeddingDim;
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

    /// <summary>One trained committee member: a model of the engine, or the linear text model.</summary>
    private abstract class Member : IDisposable
    {
        public abstract int EmbeddingDim { get; }

        /// <summary>The checkpoint file's extension.</summary>
        public abstract string FileExtension { get; }

        /// <summary>Probabilities of <paramref name="rows"/>, items x classes, into <paramref name="output"/>.</summary>
        public abstract void Predict(InputMatrix inputs, IReadOnlyList<int> rows, Span<float> output, int chunkSize, CancellationToken token);

        /// <summary>Monte Carlo passes x items x classes.</summary>
        public abstract float[] MonteCarlo(InputMatrix inputs, IReadOnlyList<int> rows, int passes, long seed);

        /// <summary>Embeddings, items x <see cref="EmbeddingDim"/>.</summary>
        public abstract float[] Embed(InputMatrix inputs, IReadOnlyList<int> rows, int chunkSize, CancellationToken token);

        public abstract void Save(string path);

        public abstract void Dispose();
    }

    private sealed class EngineMember(IModelEngine engine, EngineModel model) : Member
    {
        /// <summary>Every item's probabilities and embeddings, once <see cref="ScoreEverything"/> ran.</summary>
        private (float[] Probabilities, float[] Embeddings)? scored;

        public override int EmbeddingDim => model.Spec.EmbeddingDim;

        public override string FileExtension => ".ckpt";

        public override void Predict(InputMatrix inputs, IReadOnlyList<int> rows, Span<float> output, int chunkSize, CancellationToken token)
        {
            var classes = model.Spec.Classes;
            if (scored is { } all)
            {
                EmbeddingGeometry.Gather(all.Probabilities, classes, rows).CopyTo(output);
                return;
            }
            for (var start = 0; start < rows.Count; start += chunkSize)
            {
                token.ThrowIfCancellationRequested();
                var chunk = Slice(rows, start, chunkSize);
                var probabilities = engine.PredictProbabilities(model, inputs.Gather(chunk));
                probabilities.AsSpan(0, chunk.Count * classes).CopyTo(output[(start * classes)..]);
            }
        }

        public override float[] MonteCarlo(InputMatrix inputs, IReadOnlyList<int> rows, int passes, long seed) =>
            engine.PredictMonteCarlo(model, inputs.Gather(rows), passes, seed);

        public override float[] Embed(InputMatrix inputs, IReadOnlyList<int> rows, int chunkSize, CancellationToken token) =>
            scored is { } all ? EmbeddingGeometry.Gather(all.Embeddings, EmbeddingDim, rows) : EmbedWith(engine, model, inputs, rows, chunkSize, token);

        /// <summary>
        /// Scores and embeds every row of <paramref name="inputs"/> in one encoder pass per chunk, for a round that
        /// reads both: <see cref="Predict"/> and <see cref="Embed"/> then answer from it (the same
        /// <paramref name="inputs"/> only). Call it once the model is trained.
        /// </summary>
        public void ScoreEverything(InputMatrix inputs, int chunkSize, CancellationToken token)
        {
            var (classes, dim) = (model.Spec.Classes, EmbeddingDim);
            var probabilities = new float[(long)inputs.Rows * classes];
            var embeddings = new float[(long)inputs.Rows * dim];
            var all = Enumerable.Range(0, inputs.Rows).ToList();
            for (var start = 0; start < inputs.Rows; start += chunkSize)
            {
                token.ThrowIfCancellationRequested();
                var chunk = Slice(all, start, chunkSize);
                var (p, e) = engine.PredictAndEmbed(model, inputs.Gather(chunk));
                p.AsSpan(0, chunk.Count * classes).CopyTo(probabilities.AsSpan(start * classes));
                e.AsSpan(0, chunk.Count * dim).CopyTo(embeddings.AsSpan(start * dim));
            }
            scored = (probabilities, embeddings);
        }

        public override void Save(string path) => engine.SaveModel(model, path);

        public override void Dispose() => model.Dispose();
    }

    /// <summary>The linear text model; its embeddings are the rows' places on the pool's latent topics (<see cref="LatentTopics"/>).</summary>
    private sealed class LinearMember(SoftmaxRegression model, SparseFeatures features) : Member
    {
        /// <summary>Feature dropout of a Monte Carlo pass.</summary>
        private const float Dropout = 0.2f;

        public override int EmbeddingDim => LatentTopics.Count;

        public override string FileExtension => ".linear";

        public SoftmaxRegression Regression => model;

        public override void Predict(InputMatrix inputs, IReadOnlyList<int> rows, Span<float> output, int chunkSize, CancellationToken token)
        {
            token.ThrowIfCancellationRequested();
            model.Predict(features, rows, output);
        }

        public override float[] MonteCarlo(InputMatrix inputs, IReadOnlyList<int> rows, int passes, long seed)
        {
            var size = rows.Count * model.Classes;
            var output = new float[(long)passes * size];
            for (var t = 0; t < passes; t++)
            {
                model.Predict(features, rows, output.AsSpan(t * size, size), Dropout, new Random(unchecked((int)seed * 31) + t));
            }
            return output;
        }

        public override float[] Embed(InputMatrix inputs, IReadOnlyList<int> rows, int chunkSize, CancellationToken token) =>
            features.Topics.Project(rows);

        public override void Save(string path)
        {
            using var stream = File.Create(path);
            model.Save(stream);
        }

        public override void Dispose()
        {
            // Managed arrays only.
        }
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
