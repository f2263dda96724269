using System.CommandLine;
using System.Globalization;
using LabelLoop.Core;
using LabelLoop.Jobs.Simulation;
using LabelLoop.Jobs.Training;
using LabelLoop.Ml;
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
            Description = "Comma-separated strategy names (random, margin, margin+diverse, ...), or 'default' for what a new project does",
        };
        var initial = new Option<int>("--initial") { Description = "Labels to start from" };
        var step = new Option<int>("--step") { Description = "Labels each round asks for" };
        var budget = new Option<int>("--budget") { Description = "Labels to stop at" };
        var seeds = new Option<int>("--seeds") { Description = "Repetitions with different splits, initial sets and model seeds" };
        var output = new Option<string>("--out") { Description = "Folder for curves.csv, summary.json and curves.svg", Required = true };
        var pretrain = new Option<bool>("--pretrain") { Description = "Start from an encoder pretrained on the pool (not available in the simulator yet: refused)" };
        var testFraction = new Option<double>("--test-fraction") { Description = "Share held out to measure accuracy", DefaultValueFactory = _ => 0.2 };
        var initialStrategy = new Option<string>("--initial-strategy") { Description = "How the initial items are chosen: random or typical", DefaultValueFactory = _ => "random" };
        initialStrategy.AcceptOnlyFromAmong("random", "typical");
        var committee = new Option<int>("--committee") { Description = "Committee members for the qbc-* strategies (others train one model)", DefaultValueFactory = _ => 3 };
        var trainSteps = new Option<int>("--train-steps")
        {
            Description = "Optimizer steps each model trains per round (the live loop's Jobs:TargetSteps is 120)",
            DefaultValueFactory = _ => 120,
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
            ask each strategy for --step items, reveal their labels, retrain and measure; repeat to --budget. Writes
            curves.csv (strategy,seed,labels,accuracy), summary.json and curves.svg. Needs no database.
            """)
        {
            data, strategies, initial, step, budget, seeds, output, pretrain, testFraction, initialStrategy, committee, trainSteps, firstSeed, fromCurves, threads,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(pretrain))
            {
                await Console.Error.WriteLineAsync("error: --pretrain is not available in the simulator yet (projects get pretraining from their pretraining job, and `labelloop bench pretrain` measures it); run without --pretrain.");
                return ExitCodes.NotFound;
            }
            if (parse.GetValue(fromCurves) is { Length: > 0 } curveFiles)
            {
                return await RenderAsync(curveFiles, parse.GetValue(output)!);
            }
            if (parse.GetValue(data) is null || parse.GetValue(strategies) is null)
            {
                await Console.Error.WriteLineAsync("error: --data and --strategies are required (and --initial, --step, --budget, --seeds, --out).");
                return ExitCodes.InvalidInput;
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
                CommitteeSize = Math.Clamp(parse.GetValue(committee), 1, 20),
                Training = new RoundTraining { TargetSteps = Math.Clamp(parse.GetValue(trainSteps), 1, 100_000), MaxEpochs = 200 },
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
            var engine = new TorchModelEngine(new EngineOptions { Threads = threadCount > 0 ? threadCount : Environment.ProcessorCount });
            if (!engine.Info.NativeAvailable)
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
                        var total = options.Strategies.Count * options.Seeds * options.Checkpoints().Count;
                        var task = ctx.AddTask($"0/{total} rounds", maxValue: total);
                        return Task.Run(() => new Simulator(engine).Run(dataset, options, p =>
                        {
                            task.Value = p.Done;
                            task.Description = string.Create(CultureInfo.InvariantCulture,
                                $"{p.Done}/{p.Total} rounds: {p.Strategy} seed {p.Seed}, {p.Labels} labels, {p.Accuracy:P1}");
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
