using System.Globalization;
using System.Text.Json;
using LabelLoop.Core;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;
using LabelLoop.Data;
using LabelLoop.Data.Jobs;
using LabelLoop.Jobs.Training;
using LabelLoop.Ml;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LabelLoop.Jobs.Simulation;

/// <summary>What a simulate job run asks for (its <c>ParametersJson</c>).</summary>
public sealed record SimulationParameters
{
    public IReadOnlyList<string> Strategies { get; init; } = ["random", "margin", "margin+diverse"];

    public int Initial { get; init; } = 20;

    public int Step { get; init; } = 20;

    public int Budget { get; init; } = 200;

    public int Seeds { get; init; } = 2;

    public double TestFraction { get; init; } = 0.2;

    /// <summary>
    /// Pretrain an encoder on each seed's pool first (the pretraining job's settings) and run every strategy from it
    /// in the project's fine-tune mode, next to the same strategies from scratch; curves from the encoder are named
    /// <c>STRATEGY@pretrained</c> (or <c>@frozen</c>).
    /// </summary>
    public bool Pretrain { get; init; }
}

/// <summary>
/// Runs <see cref="Simulator"/> on a project's own items that have ground truth (from the import layout) and
/// writes <c>curves.csv</c>, <c>summary.json</c> and <c>curves.svg</c> under
/// <c>DATA/simulations/run-ID/</c>. Status and progress go to the job-run row, like a training's.
/// </summary>
public sealed class SimulationRunner(
    IDbContextFactory<LabelLoopDbContext> contextFactory,
    JobRunService runs,
    IModelEngine engine,
    DecodedImageCache images,
    ImageColourResolver colours,
    IOptions<LabelLoopStorageOptions> storage,
    IOptions<JobsOptions> options,
    ILogger<SimulationRunner> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Where run <paramref name="jobRunId"/> writes its files.</summary>
    public string OutputDirectory(long jobRunId) => Path.Combine(storage.Value.FullDataDir, "simulations", $"run-{jobRunId}");

    public async Task<RunOutcome> RunAsync(long jobRunId, CancellationToken cancellationToken)
    {
        var run = await runs.StartAsync(jobRunId, TrainingRunner.NodeName, TimeSpan.FromSeconds(options.Value.RunHeartbeatTimeoutSeconds), cancellationToken);
        if (run is null)
        {
            return RunOutcome.Skipped;
        }
        var monitor = new RunMonitor(jobRunId, TrainingRunner.NodeName, runs, logger, cancellationToken);
        try
        {
            var parameters = JsonSerializer.Deserialize<SimulationParameters>(run.ParametersJson, Json) ?? new SimulationParameters();
            var projectId = run.ProjectId ?? throw new JobInputException("A simulation needs a project.");
            monitor.Report(1, "Loading items with ground truth");
            var (dataset, project) = await LoadAsync(projectId, monitor.Token);
            var settings = options.Value;
            var simulation = new SimulationOptions
            {
                Strategies = parameters.Strategies,
                Initial = parameters.Initial,
                Step = parameters.Step,
                Budget = parameters.Budget,
                Seeds = parameters.Seeds,
                TestFraction = parameters.TestFraction,
                ColdStartLabelsPerClass = project.ColdStartLabelsPerClass,
                Training = TrainingRunner.ProjectTraining(project.AllowHorizontalFlip, project.TextModel, project.TrainingSteps, project.WarmStart, settings),
                Pretraining = parameters.Pretrain
                    ? new SimulationPretraining
                    {
                        Epochs = settings.PretrainEpochs,
                        BatchSize = settings.PretrainBatchSize,
                        Modes = [project.FineTuneMode],
                        AlsoFromScratch = true,
                    }
                    : null,
            };
            var problems = simulation.Validate();
            if (problems.Count > 0)
            {
                throw new JobInputException(string.Join(" ", problems));
            }
            var result = await Task.Factory.StartNew(() => new Simulator(engine).Run(dataset, simulation, p =>
                monitor.Report(2 + (int)(95.0 * p.Done / Math.Max(1, p.Total)), p.Accuracy is null
                    ? string.Create(CultureInfo.InvariantCulture, $"Round {p.Done}/{p.Total}: {p.Strategy}, seed {p.Seed}")
                    : string.Create(CultureInfo.InvariantCulture, $"Round {p.Done}/{p.Total}: {p.Strategy}, seed {p.Seed}, {p.Labels} labels, accuracy {p.Accuracy:P1}")), monitor.Token),
                monitor.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var directory = OutputDirectory(jobRunId);
            SimulationReport.WriteAll(directory, result, $"{project.Name}: accuracy by labels");
            await runs.SucceedAsync(jobRunId, $"Simulated {parameters.Strategies.Count} strategies; files in simulations/run-{jobRunId}", CancellationToken.None);
            return RunOutcome.Succeeded;
        }
        catch (OperationCanceledException) when (monitor.CancelledByRow)
        {
            return RunOutcome.Cancelled;
        }
        catch (Exception ex) when (ex is JobInputException or DomainValidationException or NotFoundException or JsonException)
        {
            await runs.FailAsync(jobRunId, ex.Message, CancellationToken.None);
            return RunOutcome.Failed;
        }
        finally
        {
            await monitor.DisposeAsync();
        }
    }

    private async Task<(SimulationDataset Dataset, Project Project)> LoadAsync(int projectId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var project = await db.Projects.AsNoTracking().SingleOrDefaultAsync(p => p.Id == projectId, cancellationToken)
            ?? throw new JobInputException($"Project {projectId} no longer exists.");
        var rows = await db.Items.AsNoTracking()
            .Where(i => i.ProjectId == projectId && i.GroundTruth != null)
            .OrderBy(i => i.Id)
            .Select(i => new { i.GroundTruth, i.BlobHash, i.Text })
            .ToListAsync(cancellationToken);
        rows = rows.Where(r => project.Kind == ProjectKind.Image ? r.BlobHash is not null : r.Text is not null).ToList();
        var classes = rows.Select(r => r.GroundTruth!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (classes.Count < 2)
        {
            throw new JobInputException($"Project '{project.Name}' has {rows.Count} item(s) with ground truth in {classes.Count} class(es); a simulation needs at least two classes.");
        }
        var classOf = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var labels = rows.Select(r => classOf[r.GroundTruth!]).ToList();
        if (project.Kind == ProjectKind.Text)
        {
            return (SimulationDataset.FromTexts(rows.Select(r => r.Text!).ToList(), labels, classes), project);
        }
        var size = options.Value.ImageSize;
        var channels = (await colours.ResolveAsync(engine, project, cancellationToken)).Channels();
        var pixels = images.Load(engine, rows.Select(r => r.BlobHash!).ToList(), channels, size, cancellationToken);
        return (SimulationDataset.FromPixels(pixels, size, labels, classes, options.Value.ModelWidth, channels), project);
    }
}
