using System.CommandLine;
using System.Globalization;
using LabelLoop.Core;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;
using LabelLoop.Core.Strategies;
using LabelLoop.Jobs;
using LabelLoop.Jobs.Simulation;
using LabelLoop.Jobs.Training;
using LabelLoop.Ml;
using LabelLoop.Ml.TorchSharp;
using Spectre.Console;

namespace LabelLoop.Cli.Commands;

/// <summary><c>labelloop simulate</c>: the active-learning loop offline on a labeled dataset (DESIGN.md §3).</summary>
public static class SimulateCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Labeled dataset: an image folder/zip (ROOT/<label>/<file>) or a text .jsonl/.csv" };
        var strategies = new Option<string>("--strategies")
        {
            Description = "Comma-separated strategy names (random, margin, margin+diverse, ...), or 'default' for what a new project does; each runs as a project set to it, after the cold start (--cold-start-labels)",
        };
        var initial = new Option<int>("--initial") { Description = "Labels to start from" };
        var step = new Option<int>("--step") { Description = "Labels each round asks for" };
        var budget = new Option<int>("--budget") { Description = "Labels to stop at" };
        var seeds = new Option<int>("--seeds") { Description = "Repetitions with different splits, initial sets and model seeds" };
        var output = new Option<string>("--out") { Description = "Folder for curves.csv, summary.json and curves.svg", Required = true };
        var labels = new Option<string?>("--labels")
        {
            Description = "Comma-separated label counts to measure at, e.g. 10,20,50,100,200,500,1000 (replaces --initial, --step and --budget)",
        };
        var pretrain = new Option<bool>("--pretrain")
        {
            Description = "Pretrain an encoder on each seed's pool (self-supervised, as the pretraining job does) and start every model from it; curves are named STRATEGY@pretrained (or @frozen)",
        };
        var fineTune = new Option<string>("--fine-tune")
        {
            Description = "With --pretrain: how models start from the encoder, comma-separated: finetune (the whole model, the encoder at the head's rate), freeze; each gets its own curves",
            DefaultValueFactory = _ => "finetune",
        };
        var compareScratch = new Option<bool>("--compare-scratch") { Description = "With --pretrain: also run every strategy from scratch on the same splits (curves without a suffix)" };
        var pretrainEpochs = new Option<int>("--pretrain-epochs")
        {
            Description = "With --pretrain: epochs over the pool (the pretraining job's Jobs:PretrainEpochs)",
            DefaultValueFactory = _ => new JobsOptions().PretrainEpochs,
        };
        var flip = new Option<bool>("--flip") { Description = "Also flip images left-right when augmenting: for classes that are mirror-invariant (a project's allowHorizontalFlip; off by default)" };
        var coldRounds = new Option<bool>("--no-warm-start") { Description = "Train every round's model from scratch instead of continuing from the previous round's (the project setting warmStart)" };
        var noFlip = new Option<bool>("--no-flip") { Description = "No horizontal flips (the default; kept for older scripts)" };
        var textModel = new Option<string>("--text-model")
        {
            Description = "Text data: linear (hashed tf-idf of words, word pairs and character n-grams, logistic regression; a new project's default) or neural (the text encoder)",
            DefaultValueFactory = _ => "linear",
        };
        textModel.AcceptOnlyFromAmong("linear", "neural");
        var testFraction = new Option<double>("--test-fraction") { Description = "Share held out to measure accuracy", DefaultValueFactory = _ => 0.2 };
        var initialStrategy = new Option<string>("--initial-strategy") { Description = "How the initial items are chosen: random, or typical (one per cluster of the pool's embeddings, as a project with a pretrained encoder serves its first items; for the linear text model, of the pool's latent topics)", DefaultValueFactory = _ => "random" };
        initialStrategy.AcceptOnlyFromAmong("random", "typical");
        var coldStartLabels = new Option<int>("--cold-start-labels")
        {
            Description = "Every strategy but random ranks by typical until each class has this many labels, as a project does (the project setting coldStartLabelsPerClass); 0 = no cold start",
            DefaultValueFactory = _ => ColdStart.DefaultLabelsPerClass,
        };
        var committee = new Option<int>("--committee") { Description = "Committee members, trained for every strategy as a project trains them (the first, on every label, is measured; the others feed the uncertainty and committee strategies); a new project's size by default", DefaultValueFactory = _ => new Project { Name = "" }.CommitteeSize };
        var trainSteps = new Option<int>("--train-steps")
        {
            Description = "Optimizer steps each image or neural text model trains per round; 0 (the default, as for a new project) grows them with the labels",
            DefaultValueFactory = _ => 0,
        };
        var firstSeed = new Option<int>("--first-seed") { Description = "Number of the first seed (to spread seeds over processes)", DefaultValueFactory = _ => 1 };
        var fromCurves = new Option<string[]>("--from-curves")
        {
            Description = "Only re-render summary.json and curves.svg in --out from existing curves.csv files (merged); trains nothing",
            AllowMultipleArgumentsPerToken = true,
        };
        var threads = new Option<int>("--threads") { Description = "libtorch CPU threads (0 = every core)", DefaultValueFactory = _ => 0 };
        var command = new Command("simulate", """
            Run the active-learning loop offline: hold out a test split, start from --initial labels, then per round
            ask each strategy for --step items, reveal their labels, retrain and measure; repeat to --budget (or measure
            at each count of --labels). With --pretrain, every model starts from an encoder pretrained on the pool.
            Writes curves.csv (strategy,seed,labels,accuracy), summary.json and curves.svg. Needs no database.
            """)
        {
            data, strategies, initial, step, budget, labels, seeds, output, pretrain, fineTune, compareScratch, pretrainEpochs, flip, noFlip, textModel, testFraction, initialStrategy, coldStartLabels, committee, trainSteps,
            coldRounds, firstSeed, fromCurves, threads,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(fromCurves) is { Length: > 0 } curveFiles)
            {
                return await RenderAsync(curveFiles, parse.GetValue(output)!);
            }
            if (parse.GetValue(data) is null || parse.GetValue(strategies) is null)
            {
                await Console.Error.WriteLineAsync("error: --data and --strategies are required (and --initial, --step, --budget or --labels, --seeds, --out).");
                return ExitCodes.InvalidInput;
            }
            IReadOnlyList<int>? schedule = null;
            if (parse.GetValue(labels) is { } labelList)
            {
                var counts = new List<int>();
                foreach (var part in labelList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                    {
                        await Console.Error.WriteLineAsync($"error: --labels: '{part}' is not a label count.");
                        return ExitCodes.InvalidInput;
                    }
                    counts.Add(count);
                }
                schedule = counts;
            }
            var modes = new List<FineTuneMode>();
            foreach (var mode in parse.GetValue(fineTune)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                switch (mode)
                {
                    case "finetune":
                        modes.Add(FineTuneMode.FineTune);
                        break;
                    case "freeze":
                        modes.Add(FineTuneMode.Freeze);
                        break;
                    default:
                        await Console.Error.WriteLineAsync($"error: --fine-tune: unknown mode '{mode}' (finetune, freeze).");
                        return ExitCodes.InvalidInput;
                }
            }
            var options = new SimulationOptions
            {
                FirstSeed = parse.GetValue(firstSeed),
                Strategies = parse.GetValue(strategies)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                Initial = parse.GetValue(initial),
                Step = parse.GetValue(step),
                Budget = parse.GetValue(budget),
                Seeds = parse.GetValue(seeds),
                TestFraction = parse.GetValue(testFraction),
                InitialStrategy = parse.GetValue(initialStrategy)!,
                ColdStartLabelsPerClass = parse.GetValue(coldStartLabels),
                CommitteeSize = Math.Clamp(parse.GetValue(committee), 1, 20),
                Labels = schedule,
                Training = new RoundTraining
                {
                    FixedSteps = Math.Clamp(parse.GetValue(trainSteps), 0, TrainingSchedule.MaxFixedSteps),
                    Augmentations = parse.GetValue(flip) && !parse.GetValue(noFlip) ? ImageAugmentations.Default | ImageAugmentations.HorizontalFlip : ImageAugmentations.Default,
                    TextModel = parse.GetValue(textModel) == "neural" ? TextModel.Neural : TextModel.Linear,
                    WarmStart = !parse.GetValue(coldRounds),
                },
                Pretraining = parse.GetValue(pretrain)
                    ? new SimulationPretraining
                    {
                        Epochs = parse.GetValue(pretrainEpochs),
                        BatchSize = new JobsOptions().PretrainBatchSize,
                        Modes = modes,
                        AlsoFromScratch = parse.GetValue(compareScratch),
                    }
                    : null,
            };
            var problems = options.Validate();
            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    await Console.Error.WriteLineAsync($"error: {problem}");
                }
                return ExitCodes.InvalidInput;
            }
            var path = parse.GetValue(data)!;
            if (!Directory.Exists(path) && !File.Exists(path))
            {
                await Console.Error.WriteLineAsync($"error: '{path}' is neither a folder nor a file");
                return ExitCodes.NotFound;
            }
            var threadCount = parse.GetValue(threads);
            var engine = new TorchSharpEngine(new EngineOptions { Threads = threadCount > 0 ? threadCount : Environment.ProcessorCount });
            if (!engine.Info.EngineAvailable)
            {
                await Console.Error.WriteLineAsync($"error: the model engine is unavailable: {engine.Info.UnavailableReason}");
                return ExitCodes.Environment;
            }
            SimulationDataset dataset;
            try
            {
                dataset = SimulationDataset.Load(path, engine);
            }
            catch (InvalidDataException ex)
            {
                await Console.Error.WriteLineAsync($"error: {ex.Message}");
                return ExitCodes.InvalidInput;
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{dataset.Count} labeled items, {dataset.ClassNames.Count} classes; strategies: {string.Join(", ", options.Strategies)}"));
            SimulationResult result;
            try
            {
                result = await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                    .StartAsync(ctx =>
                    {
                        var total = options.Strategies.Count * options.Variants().Count * options.Seeds * options.Checkpoints().Count;
                        var task = ctx.AddTask($"0/{total} rounds", maxValue: total);
                        // Every measured point goes to curves.csv at once, so a long run that is stopped keeps what it measured.
                        Directory.CreateDirectory(parse.GetValue(output)!);
                        var measured = new List<CurvePoint>();
                        return Task.Run(() => new Simulator(engine).Run(dataset, options, p =>
                        {
                            if (p.Accuracy is { } accuracy)
                            {
                                measured.Add(new CurvePoint(p.Strategy, p.Seed, p.Labels, accuracy, 0));
                                using var partial = File.CreateText(Path.Combine(parse.GetValue(output)!, SimulationReport.CurvesCsv));
                                SimulationReport.WriteCsv(partial, measured);
                            }
                            task.Value = p.Done;
                            task.Description = p.Accuracy is null
                                ? string.Create(CultureInfo.InvariantCulture, $"{p.Done}/{p.Total} rounds: {p.Strategy}, seed {p.Seed}")
                                : string.Create(CultureInfo.InvariantCulture, $"{p.Done}/{p.Total} rounds: {p.Strategy} seed {p.Seed}, {p.Labels} labels, {p.Accuracy:P1}");
                        }, cancellationToken), cancellationToken);
                    });
            }
            catch (DomainValidationException ex)
            {
                await Console.Error.WriteLineAsync($"error: {ex.Message}");
                return ExitCodes.InvalidInput;
            }
            var outDir = parse.GetValue(output)!;
            SimulationReport.WriteAll(outDir, result, $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)))}: accuracy by labels");
            var table = new Table().AddColumns("strategy", "final accuracy", "labels to reach random's final", "AUC", "wall s");
            foreach (var (name, summary) in SimulationReport.Summarize(result))
            {
                table.AddRow(name, summary.AccuracyAt.Values.LastOrDefault().ToString("P1", CultureInfo.InvariantCulture),
                    summary.LabelsToReachRandomFinal?.ToString(CultureInfo.InvariantCulture) ?? "-",
                    summary.AreaUnderCurve.ToString("0.0000", CultureInfo.InvariantCulture), summary.WallSeconds.ToString("0", CultureInfo.InvariantCulture));
            }
            AnsiConsole.Write(table);
            Console.WriteLine($"Wrote {SimulationReport.CurvesCsv}, {SimulationReport.SummaryJson} and {SimulationReport.CurvesSvg} to {Path.GetFullPath(outDir)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<int> RenderAsync(string[] curveFiles, string outDir)
    {
        var points = new List<CurvePoint>();
        foreach (var file in curveFiles)
        {
            if (!File.Exists(file))
            {
                await Console.Error.WriteLineAsync($"error: '{file}' does not exist");
                return ExitCodes.NotFound;
            }
            using var reader = File.OpenText(file);
            points.AddRange(SimulationReport.ReadCsv(reader));
        }
        var result = new SimulationResult(points, new Dictionary<string, double>(), 0, 0);
        SimulationReport.WriteAll(outDir, result, "accuracy by labels");
        Console.WriteLine($"Wrote {SimulationReport.CurvesCsv}, {SimulationReport.SummaryJson} and {SimulationReport.CurvesSvg} to {Path.GetFullPath(outDir)}");
        return ExitCodes.Ok;
    }
}
