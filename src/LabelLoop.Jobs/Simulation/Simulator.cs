using System.Diagnostics;
using LabelLoop.Core;
using LabelLoop.Core.Strategies;
using LabelLoop.Jobs.Training;
using LabelLoop.Ml;

namespace LabelLoop.Jobs.Simulation;

/// <summary>What to simulate.</summary>
public sealed record SimulationOptions
{
    /// <summary>
    /// Strategy names (DESIGN.md §3), plus <see cref="ProjectDefaultName"/>: what a new project does (the
    /// <c>typical</c> cold start, then <see cref="QueryStrategies.ProjectDefault"/>).
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

    /// <summary>How the initial items are chosen: <c>random</c> (the same items for every strategy of a seed) or <c>typical</c>.</summary>
    public string InitialStrategy { get; init; } = QueryStrategies.Random;

    /// <summary>Members of the committee for the <c>qbc-*</c> strategies; every other strategy trains one model.</summary>
    public int CommitteeSize { get; init; } = 3;

    public RoundTraining Training { get; init; } = new();

    public const string ProjectDefaultName = "default";

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
        return errors;
    }

    /// <summary>Label counts each curve is measured at: the initial set, then every step up to the budget.</summary>
    public IReadOnlyList<int> Checkpoints()
    {
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
public sealed record CurvePoint(string Strategy, int Seed, int Labels, double Accuracy, double RoundSeconds);

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
        var total = options.Strategies.Count * options.Seeds * checkpoints.Count;
        var done = 0;
        var points = new List<CurvePoint>();
        var wall = options.Strategies.Distinct().ToDictionary(s => s, _ => 0.0, StringComparer.Ordinal);
        var round = new ActiveLearningRound(engine);
        int poolItems = 0, testItems = 0;
        for (var seed = options.FirstSeed; seed < options.FirstSeed + options.Seeds; seed++)
        {
            var (test, pool) = Split(data.Count, options.TestFraction, seed);
            poolItems = pool.Count;
            testItems = test.Count;
            if (pool.Count < options.Budget)
            {
                throw new DomainValidationException("budget", $"--budget {options.Budget} is larger than the pool ({pool.Count} items after the test split).");
            }
            var initial = InitialItems(data, pool, options, seed, token);
            foreach (var strategy in options.Strategies)
            {
                var clock = Stopwatch.StartNew();
                var labeled = new List<int>(initial);
                var inLabeled = labeled.ToHashSet();
                var committee = Parse(strategy).StartsWith("qbc-", StringComparison.Ordinal) ? options.CommitteeSize : 1;
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
                    var resolved = strategy == SimulationOptions.ProjectDefaultName
                        ? ColdStart.Resolve(QueryStrategies.ProjectDefault, labelsByClass, ColdStart.DefaultLabelsPerClass)
                        : strategy;
                    var roundClock = Stopwatch.StartNew();
                    var result = round.Run(new RoundRequest
                    {
                        Spec = data.Spec,
                        Inputs = data.Inputs,
                        TrainRows = labeled,
                        TrainLabels = labeled.Select(i => data.Labels[i]).ToList(),
                        PoolRows = remaining,
                        EvaluationRows = [test],
                        CommitteeSize = committee,
                        // The last round only measures: nothing is selected after it.
                        Strategy = last ? QueryStrategies.Random : resolved,
                        BatchSize = last ? 0 : checkpoints[c + 1] - labeled.Count,
                        Seed = (seed * 1_000_003L) + c,
                        Training = options.Training,
                    }, token: token);
                    var accuracy = Accuracy(result.Evaluations[0], test, data);
                    points.Add(new CurvePoint(strategy, seed, labeled.Count, accuracy, roundClock.Elapsed.TotalSeconds));
                    progress?.Invoke(new SimulationProgress(++done, total, strategy, seed, labeled.Count, accuracy));
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
                wall[strategy] += clock.Elapsed.TotalSeconds;
            }
        }
        return new SimulationResult(points, wall, poolItems, testItems);
    }

    private static string Parse(string strategy) => QueryStrategies.Parse(strategy).Base;

    /// <summary>A seeded shuffle split: the first share is the test set, the rest the pool.</summary>
    internal static (List<int> Test, List<int> Pool) Split(int count, double testFraction, int seed)
    {
        var random = new Random(seed);
        var order = Enumerable.Range(0, count).ToArray();
        random.Shuffle(order);
        var testCount = Math.Clamp((int)Math.Round(count * testFraction), 1, count - 1);
        return (order[..testCount].Order().ToList(), order[testCount..].Order().ToList());
    }

    private List<int> InitialItems(SimulationDataset data, List<int> pool, SimulationOptions options, int seed, CancellationToken token)
    {
        if (options.InitialStrategy == QueryStrategies.Typical)
        {
            // Typical items in the embedding space of an untrained encoder (no labels exist yet).
            using var model = engine.CreateModel(data.Spec with { Seed = seed });
            var dim = data.Spec.EmbeddingDim;
            var embeddings = new float[(long)pool.Count * dim];
            for (var start = 0; start < pool.Count; start += 4096)
            {
                token.ThrowIfCancellationRequested();
                var chunk = pool.Skip(start).Take(4096).ToList();
                engine.Embed(model, data.Inputs.Gather(chunk)).AsSpan(0, chunk.Count * dim).CopyTo(embeddings.AsSpan(start * dim));
            }
            var classes = data.ClassNames.Count;
            var uniform = Enumerable.Repeat(1f / classes, pool.Count * classes).ToArray();
            var selection = QueryStrategies.Select(QueryStrategies.Typical, new SelectionInput
            {
                Committee = new CommitteeOutput(1, pool.Count, classes, uniform),
                BatchSize = options.Initial,
                Seed = seed,
                PoolEmbeddings = embeddings,
                EmbeddingDim = dim,
            });
            return selection.Order.Take(options.Initial).Select(j => pool[j]).ToList();
        }
        var random = new Random(seed * 31);
        var shuffled = pool.ToArray();
        random.Shuffle(shuffled);
        return shuffled.Take(options.Initial).ToList();
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
