using System.Diagnostics;
using LabelLoop.Core;
using LabelLoop.Core.Projects;
using LabelLoop.Core.Strategies;
using LabelLoop.Jobs.Pretraining;
using LabelLoop.Jobs.Training;
using LabelLoop.Ml;

namespace LabelLoop.Jobs.Simulation;

/// <summary>Self-supervised pretraining before the loop (<c>simulate --pretrain</c>), as the pretraining job does it.</summary>
public sealed record SimulationPretraining
{
    /// <summary>Epochs over the pool (the pretraining job's default is <see cref="JobsOptions.PretrainEpochs"/>).</summary>
    public int Epochs { get; init; } = 20;

    public int BatchSize { get; init; } = 256;

    /// <summary>
    /// How the rounds' models start from the encoder (fine-tune it with the rest of the model, or freeze it); each
    /// mode gets its own curves, all from the one encoder of a seed.
    /// </summary>
    public IReadOnlyList<FineTuneMode> Modes { get; init; } = [FineTuneMode.FineTune];

    /// <summary>Also run every strategy from scratch, on the same splits and initial items: a paired comparison.</summary>
    public bool AlsoFromScratch { get; init; }

    /// <summary>The suffix that names a mode's curves: <c>@pretrained</c> (fine-tuned) or <c>@frozen</c>.</summary>
    public static string CurveSuffix(FineTuneMode mode) => mode == FineTuneMode.Freeze ? "@frozen" : "@pretrained";
}

/// <summary>How one set of curves starts its models: from scratch (no mode) or from the pretrained encoder.</summary>
/// <param name="Suffix">Appended to the strategy to name the curve (empty from scratch).</param>
public sealed record SimulationVariant(string Suffix, FineTuneMode? Mode);

/// <summary>What to simulate.</summary>
public sealed record SimulationOptions
{
    /// <summary>
    /// Strategy names (DESIGN.md §3), plus <see cref="ProjectDefaultName"/>: what a new project does
    /// (<see cref="QueryStrategies.ProjectDefault"/>). Each runs as a project set to it does: after the
    /// <c>typical</c> cold start (<see cref="ColdStartLabelsPerClass"/>); <c>random</c> never has one.
    /// </summary>
    public required IReadOnlyList<string> Strategies { get; init; }

    public int Initial { get; init; } = 20;

    public int Step { get; init; } = 20;

    public int Budget { get; init; } = 200;

    public int Seeds { get; init; } = 3;

    /// <summary>The first seed; seeds run from here, so seeds can be spread over processes and their curves merged.</summary>
    public int FirstSeed { get; init; } = 1;

    /// <summary>Share of the dataset held out to measure accuracy (the same split for every strategy of a seed).</summary>
    public double TestFraction { get; init; } = 0.2;

    /// <summary>
    /// How the initial items are chosen: <c>random</c> (the same items for every strategy of a seed), or <c>typical</c>
    /// (<see cref="ColdStart.FirstItems"/>, the order a project's pretraining job gives the items it serves before the
    /// first model; with <see cref="Pretraining"/> this is what a new image project's first labels are).
    /// </summary>
    public string InitialStrategy { get; init; } = QueryStrategies.Random;

    /// <summary>
    /// The cold start, as the project setting of the same name: every strategy but <c>random</c> ranks by
    /// <c>typical</c> until each class has this many labels (<see cref="ColdStart.Resolve"/>, the training job's rule);
    /// 0 turns it off, so that a strategy ranks from the first round.
    /// </summary>
    public int ColdStartLabelsPerClass { get; init; } = ColdStart.DefaultLabelsPerClass;

    /// <summary>
    /// Members of the committee, trained for every strategy as the live loop trains them: the first on every label
    /// (measured), the others on bootstrap resamples; the uncertainty strategies read the members' mean.
    /// </summary>
    public int CommitteeSize { get; init; } = 3;

    public RoundTraining Training { get; init; } = new();

    /// <summary>
    /// The label counts to measure at, in increasing order (e.g. 10, 20, 50, 100); replaces
    /// <see cref="Initial"/>, <see cref="Step"/> and <see cref="Budget"/> when set.
    /// </summary>
    public IReadOnlyList<int>? Labels { get; init; }

    /// <summary>Pretrain an encoder on each seed's pool and start every model from it; null trains from scratch.</summary>
    public SimulationPretraining? Pretraining { get; init; }

    public const string ProjectDefaultName = "default";

    /// <summary>
    /// The encoder variants each strategy runs with: from scratch, or (with <see cref="Pretraining"/>) from the
    /// pretrained encoder in each of its modes, plus scratch when asked. A curve is named strategy + suffix.
    /// </summary>
    public IReadOnlyList<SimulationVariant> Variants()
    {
        if (Pretraining is not { } pretraining)
        {
            return [new SimulationVariant("", null)];
        }
        var variants = new List<SimulationVariant>();
        if (pretraining.AlsoFromScratch)
        {
            variants.Add(new SimulationVariant("", null));
        }
        variants.AddRange(pretraining.Modes.Distinct().Select(m => new SimulationVariant(SimulationPretraining.CurveSuffix(m), m)));
        return variants;
    }

    /// <summary>The problems with these options; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Strategies.Count == 0)
        {
            errors.Add("--strategies: name at least one strategy.");
        }
        foreach (var s in Strategies.Where(s => s != ProjectDefaultName && !QueryStrategies.IsSupported(s)))
        {
            errors.Add($"--strategies: unknown strategy '{s}'. Known: {ProjectDefaultName}, {string.Join(", ", QueryStrategies.Supported)}.");
        }
        if (Labels is { } labels)
        {
            if (labels.Count == 0 || labels[0] < 1 || labels.Zip(labels.Skip(1)).Any(pair => pair.Second <= pair.First))
            {
                errors.Add("--labels: label counts of at least 1, in increasing order (e.g. 10,20,50,100).");
            }
        }
        else
        {
            if (Initial < 1)
            {
                errors.Add("--initial: at least 1.");
            }
            if (Step < 1)
            {
                errors.Add("--step: at least 1.");
            }
            if (Budget < Initial)
            {
                errors.Add("--budget: at least --initial.");
            }
        }
        if (Pretraining is { Epochs: < 1 } or { BatchSize: < 2 })
        {
            errors.Add("--pretrain-epochs: at least 1 (and a pretraining batch of at least 2).");
        }
        if (Pretraining is { Modes.Count: 0 })
        {
            errors.Add("--fine-tune: name at least one mode (finetune, freeze).");
        }
        if (Seeds < 1)
        {
            errors.Add("--seeds: at least 1.");
        }
        if (TestFraction is <= 0 or >= 1)
        {
            errors.Add("--test-fraction: between 0 and 1 (exclusive).");
        }
        if (InitialStrategy is not (QueryStrategies.Random or QueryStrategies.Typical))
        {
            errors.Add("--initial-strategy: random or typical.");
        }
        if (ColdStartLabelsPerClass is < 0 or > 100)
        {
            errors.Add("--cold-start-labels: between 0 and 100.");
        }
        return errors;
    }

    /// <summary>Label counts each curve is measured at: <see cref="Labels"/>, else the initial set, then every step up to the budget.</summary>
    public IReadOnlyList<int> Checkpoints()
    {
        if (Labels is { Count: > 0 } schedule)
        {
            return schedule;
        }
        var points = new List<int>();
        for (var labels = Initial; ; labels += Step)
        {
            points.Add(Math.Min(labels, Budget));
            if (labels >= Budget)
            {
                break;
            }
        }
        return points;
    }
}

/// <summary>One measured point of a learning curve.</summary>
/// <param name="RankedBy">The strategy that chose the next items after this point (<c>typical</c> in the cold start);
/// null after the last point and for points read back from a file.</param>
public sealed record CurvePoint(string Strategy, int Seed, int Labels, double Accuracy, double RoundSeconds, string? RankedBy = null);

/// <summary>Where a simulation is.</summary>
public sealed record SimulationProgress(int Done, int Total, string Strategy, int Seed, int Labels, double? Accuracy);

/// <summary>Every point of every curve, and the wall time per strategy.</summary>
public sealed record SimulationResult(IReadOnlyList<CurvePoint> Points, IReadOnlyDictionary<string, double> WallSeconds, int PoolItems, int TestItems);

/// <summary>
/// The active-learning loop offline, with an oracle that reveals ground truth: hold out a test split, start
/// from <see cref="SimulationOptions.Initial"/> items, then per step ask the strategy for
/// <see cref="SimulationOptions.Step"/> items, reveal their labels, retrain and evaluate on the test split. Each
/// round is an <see cref="ActiveLearningRound"/>, the code the live loop runs.
/// </summary>
public sealed class Simulator(IModelEngine engine)
{
    public SimulationResult Run(SimulationDataset data, SimulationOptions options, Action<SimulationProgress>? progress = null, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new DomainValidationException("options", string.Join(" ", errors));
        }
        var checkpoints = options.Checkpoints();
        var variants = options.Variants();
        var total = options.Strategies.Count * variants.Count * options.Seeds * checkpoints.Count;
        var done = 0;
        var points = new List<CurvePoint>();
        var wall = new Dictionary<string, double>(StringComparer.Ordinal);
        var round = new ActiveLearningRound(engine);
        int poolItems = 0, testItems = 0;
        // The pretrained encoders and each curve's last model, which the next round continues from (warm starts).
        var scratchDir = Directory.CreateTempSubdirectory("labelloop-simulate-").FullName;
        var warmDir = Path.Combine(scratchDir, "warm", "current");
        try
        {
            for (var seed = options.FirstSeed; seed < options.FirstSeed + options.Seeds; seed++)
            {
                var (test, pool) = Split(data.Count, options.TestFraction, seed);
                poolItems = pool.Count;
                testItems = test.Count;
                if (pool.Count < checkpoints[^1])
                {
                    throw new DomainValidationException("budget", $"A budget of {checkpoints[^1]} labels is larger than the pool ({pool.Count} items after the test split).");
                }
                var encoder = options.Pretraining is null ? null : Pretrain(data, pool, options.Pretraining!,
                    options.Training.Augmentations.HasFlag(ImageAugmentations.HorizontalFlip), seed, scratchDir, progress, done, total, token);
                var initial = InitialItems(data, pool, checkpoints[0], options.InitialStrategy, encoder, options.Training, seed, token);
                foreach (var (strategy, variant) in options.Strategies.SelectMany(s => variants.Select(v => (s, v))))
                {
                    var curve = strategy + variant.Suffix;
                    var clock = Stopwatch.StartNew();
                    var labeled = new List<int>(initial);
                    var inLabeled = labeled.ToHashSet();
                    for (var c = 0; c < checkpoints.Count; c++)
                    {
                        token.ThrowIfCancellationRequested();
                        var last = c == checkpoints.Count - 1;
                        var remaining = pool.Where(i => !inLabeled.Contains(i)).ToList();
                        var labelsByClass = new int[data.ClassNames.Count];
                        foreach (var i in labeled)
                        {
                            labelsByClass[data.Labels[i]]++;
                        }
                        var resolved = ColdStart.Resolve(strategy == SimulationOptions.ProjectDefaultName ? QueryStrategies.ProjectDefault : strategy,
                            labelsByClass, options.ColdStartLabelsPerClass);
                        var roundClock = Stopwatch.StartNew();
                        var result = round.Run(new RoundRequest
                        {
                            Spec = data.Spec,
                            Inputs = data.Inputs,
                            TrainRows = labeled,
                            TrainLabels = labeled.Select(i => data.Labels[i]).ToList(),
                            PoolRows = remaining,
                            EvaluationRows = [test],
                            CommitteeSize = options.CommitteeSize,
                            // The last round only measures: nothing is selected after it.
                            Strategy = last ? QueryStrategies.Random : resolved,
                            BatchSize = last ? 0 : checkpoints[c + 1] - labeled.Count,
                            Seed = (seed * 1_000_003L) + c,
                            Training = options.Training,
                            EncoderCheckpoint = variant.Mode is null ? null : encoder,
                            EncoderLearningRateMultiplier = RoundTraining.EncoderRateFor(variant.Mode ?? FineTuneMode.FineTune),
                            WarmStartCheckpoint = c > 0 && options.Training.WarmStart ? ActiveLearningRound.ServedCheckpoint(warmDir) : null,
                            WarmStartLabels = c > 0 ? checkpoints[c - 1] : 0,
                            CheckpointDirectory = options.Training.WarmStart && !last ? warmDir : null,
                        }, token: token);
                        var accuracy = Accuracy(result.Evaluations[0], test, data);
                        // The peer loop does not count measuring the test split either.
                        points.Add(new CurvePoint(curve, seed, labeled.Count, accuracy, roundClock.Elapsed.TotalSeconds - result.EvaluationSeconds,
                            last ? null : result.Selection.Strategy));
                        progress?.Invoke(new SimulationProgress(++done, total, curve, seed, labeled.Count, accuracy));
                        if (last)
                        {
                            break;
                        }
                        var take = checkpoints[c + 1] - labeled.Count;
                        foreach (var j in result.Selection.Order.Take(take))
                        {
                            labeled.Add(remaining[j]);
                            inLabeled.Add(remaining[j]);
                        }
                    }
                    wall[curve] = wall.GetValueOrDefault(curve) + clock.Elapsed.TotalSeconds;
                }
            }
        }
        finally
        {
            Directory.Delete(scratchDir, recursive: true);
        }
        return new SimulationResult(points, wall, poolItems, testItems);
    }

    /// <summary>
    /// Pretrains an encoder on the seed's pool (never on its test split) the way the pretraining job does, and saves
    /// it where the rounds load it from. Returns the checkpoint's path.
    /// </summary>
    private string Pretrain(SimulationDataset data, List<int> pool, SimulationPretraining settings, bool flip, int seed, string directory,
        Action<SimulationProgress>? progress, int done, int total, CancellationToken token)
    {
        var plan = new PretrainPlan(settings.Epochs, settings.Epochs, new PretrainingOptions
        {
            BatchSize = Math.Min(settings.BatchSize, pool.Count),
            HorizontalFlip = flip,
            Seed = seed,
        });
        progress?.Invoke(new SimulationProgress(done, total, "pretraining", seed, 0, null));
        var outcome = EncoderPretrainer.Run(engine, data.Spec with { Seed = seed }, data.Inputs.Gather(pool), plan, checkpointDir: null,
            (epoch, epochs, _) => progress?.Invoke(new SimulationProgress(done, total, $"pretraining epoch {epoch}/{epochs}", seed, 0, null)), token);
        using var model = outcome.Model;
        var path = Path.Combine(directory, $"encoder-{seed}.ckpt");
        engine.SaveModel(model, path);
        return path;
    }

    /// <summary>A seeded shuffle split: the first share is the test set, the rest the pool.</summary>
    internal static (List<int> Test, List<int> Pool) Split(int count, double testFraction, int seed)
    {
        var random = new Random(seed);
        var order = Enumerable.Range(0, count).ToArray();
        random.Shuffle(order);
        var testCount = Math.Clamp((int)Math.Round(count * testFraction), 1, count - 1);
        return (order[..testCount].Order().ToList(), order[testCount..].Order().ToList());
    }

    /// <summary>
    /// The first labels: random (the same items for every strategy of a seed), or the most typical items in the
    /// embedding space of the pretrained encoder (an untrained one when there is none: no labels exist yet), or, for the
    /// linear text model, on the pool's latent topics.
    /// </summary>
    private List<int> InitialItems(SimulationDataset data, List<int> pool, int count, string how, string? encoderPath, RoundTraining training, int seed, CancellationToken token)
    {
        if (how == QueryStrategies.Typical)
        {
            // The linear text model's geometry is the pool's latent topics, which need no training.
            var (embeddings, dim) = training.IsLinear(data.Spec)
                ? (data.Inputs.TextFeatures.Topics.Project(pool), LatentTopics.Count)
                : (EmbedPool(data, pool, encoderPath, training.PredictChunk, seed, token), data.Spec.EmbeddingDim);
            // The same order a project's pretraining job gives the items served before its first model.
            return ColdStart.FirstItems(embeddings, dim, count, labeledEmbeddings: null, seed).Select(j => pool[j]).ToList();
        }
        var random = new Random(seed * 31);
        var shuffled = pool.ToArray();
        random.Shuffle(shuffled);
        return shuffled.Take(count).ToList();
    }

    /// <summary>The pool's embeddings by the pretrained encoder, or by an untrained network when there is none.</summary>
    private float[] EmbedPool(SimulationDataset data, List<int> pool, string? encoderPath, int chunkSize, int seed, CancellationToken token)
    {
        using var model = encoderPath is null ? engine.CreateModel(data.Spec with { Seed = seed }) : engine.LoadModel(encoderPath);
        return ActiveLearningRound.EmbedWith(engine, model, data.Inputs, pool, chunkSize, token);
    }

    private static double Accuracy(float[] mean, List<int> test, SimulationDataset data)
    {
        var classes = data.ClassNames.Count;
        var correct = 0;
        for (var j = 0; j < test.Count; j++)
        {
            if (CommitteeOutput.ArgMax(mean.AsSpan(j * classes, classes)) == data.Labels[test[j]])
            {
                correct++;
            }
        }
        return test.Count == 0 ? 0 : (double)correct / test.Count;
    }
}
