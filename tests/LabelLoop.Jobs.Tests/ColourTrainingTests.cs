using System.Text.Json;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;
using LabelLoop.Core.Samples;
using LabelLoop.Data.Jobs;
using LabelLoop.Jobs.Pretraining;
using LabelLoop.Jobs.Training;
using LabelLoop.Ml;
using LabelLoop.Ml.TorchSharp;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Jobs.Tests;

/// <summary>The jobs on the real libtorch engine, with small images and short pretraining so a test takes seconds.</summary>
public sealed class EngineJobsFixture : JobsFixture
{
    private static readonly TorchSharpEngine Torch = new(new EngineOptions { Threads = 1 });

    protected override IModelEngine HostEngine => Torch;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Jobs:Enabled"] = "false",
        ["Jobs:ImageSize"] = $"{ColourTrainingTests.Side}",
        ["Jobs:PretrainEpochs"] = "4",
        ["Jobs:PretrainBatchSize"] = "64",
    };

    /// <summary>A margin project of <paramref name="items"/> coloured squares (<see cref="ColourTrainingTests.Square"/>), one
    /// member, no audit or cold start, its first 40 items labeled.</summary>
    public async Task<(int ProjectId, List<long> Items, Caller Admin)> SquaresProjectAsync(int items, bool pretrain, CancellationToken cancellationToken)
    {
        var admin = await CreateAdminAsync();
        var (projectId, ids) = await CreateProjectAsync(items, ColourTrainingTests.Square, "red", "green");
        await SetProjectAsync(projectId, retrainEvery: 0, committee: 1, strategy: "margin");
        await using (var db = CreateContext())
        {
            await db.Projects.Where(p => p.Id == projectId).ExecuteUpdateAsync(s => s
                .SetProperty(p => p.PretrainEnabled, pretrain).SetProperty(p => p.ColdStartLabelsPerClass, 0).SetProperty(p => p.AuditPercent, 0), cancellationToken);
        }
        await LabelAsync(admin, projectId, ids.Take(40), ColourTrainingTests.ClassOf);
        return (projectId, ids, admin);
    }

    /// <summary>Requests a training of the project and runs it here; a failed run fails the test with the run's error.</summary>
    public async Task<RunOutcome> TrainAsync(int projectId, CancellationToken cancellationToken)
    {
        var run = await Get<JobRunService>().RequestTrainingAsync(projectId, null, "test", cancellationToken);
        var outcome = await Get<TrainingRunner>().RunAsync(run.Run.Id, RunAttempt.Only, cancellationToken);
        if (outcome == RunOutcome.Failed)
        {
            var row = await Get<JobRunService>().FindAsync(run.Run.Id, cancellationToken);
            Assert.Fail($"Training run {run.Run.Id} failed: {row?.Error}");
        }
        return outcome;
    }

    public static void RequireEngine()
    {
        Assert.True(Torch.Info.EngineAvailable, Torch.Info.UnavailableReason);
    }
}

/// <summary>
/// Colour projects on the real engine: red and green squares of equal luminance differ only in colour, so a colour
/// model tells them apart and a grey one cannot (their grey images are identical pixel for pixel).
/// </summary>
public sealed class ColourTrainingTests(EngineJobsFixture fixture) : IClassFixture<EngineJobsFixture>
{
    /// <summary>Image side: the images are stored at the models' size, so decoding resizes nothing.</summary>
    public const int Side = 16;

    private const int Items = 160;

    // stb_image's luminance is (77 R + 150 G + 29 B) >> 8: both colours are grey level 67.
    private static readonly (byte R, byte G, byte B) Red = (225, 0, 0);
    private static readonly (byte R, byte G, byte B) Green = (0, 115, 0);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    internal static string ClassOf(int i) => (i * 7919 % 13) % 2 == 0 ? "red" : "green";

    /// <summary>A square of the class's colour, 4 to 8 pixels wide, somewhere on black.</summary>
    internal static byte[] Square(int projectId, int i)
    {
        var random = new Random((projectId * 10_000) + i);
        var (r, g, b) = ClassOf(i) == "red" ? Red : Green;
        var size = random.Next(4, 9);
        var (x0, y0) = (random.Next(0, Side - size + 1), random.Next(0, Side - size + 1));
        var pixels = new byte[Side * Side * 3];
        for (var y = y0; y < y0 + size; y++)
        {
            for (var x = x0; x < x0 + size; x++)
            {
                var p = ((y * Side) + x) * 3;
                (pixels[p], pixels[p + 1], pixels[p + 2]) = (r, g, b);
            }
        }
        return PngEncoder.EncodeRgb8(pixels, Side, Side);
    }

    private Task<(int ProjectId, List<long> Items, Caller Admin)> SquaresAsync(bool pretrain) => fixture.SquaresProjectAsync(Items, pretrain, Cancel);

    private Task<RunOutcome> TrainAsync(int projectId) => fixture.TrainAsync(projectId, Cancel);

    private async Task<RunOutcome> PretrainAsync(int projectId)
    {
        var run = await fixture.Get<JobRunService>().RequestPretrainingAsync(projectId, null, "test", Cancel);
        return await fixture.Get<PretrainRunner>().RunAsync(run.Run.Id, RunAttempt.Only, Cancel);
    }

    /// <summary>The active version's accuracy on the unlabeled items, and its metrics.</summary>
    private async Task<(double Accuracy, JsonElement Metrics)> ScoreAsync(int projectId, List<long> items)
    {
        await using var db = fixture.CreateContext();
        var version = await db.ModelVersions.AsNoTracking().SingleAsync(v => v.ProjectId == projectId && v.IsActive, Cancel);
        var predicted = await db.Predictions.AsNoTracking().Where(p => p.ModelVersionId == version.Id)
            .ToDictionaryAsync(p => p.ItemId, p => p.Label, Cancel);
        var pool = Enumerable.Range(40, Items - 40).ToList();
        var correct = pool.Count(i => predicted[items[i]] == ClassOf(i));
        using var metrics = JsonDocument.Parse(version.MetricsJson);
        return ((double)correct / pool.Count, metrics.RootElement.Clone());
    }

    private async Task<Project> ProjectAsync(int projectId)
    {
        await using var db = fixture.CreateContext();
        return await db.Projects.AsNoTracking().SingleAsync(p => p.Id == projectId, Cancel);
    }

    [Fact]
    public async Task A_colour_model_learns_what_only_colour_tells_apart_and_a_grey_one_stays_near_chance()
    {
        EngineJobsFixture.RequireEngine();
        var (projectId, items, admin) = await SquaresAsync(pretrain: false);

        Assert.Equal(RunOutcome.Succeeded, await TrainAsync(projectId));
        var colour = await ScoreAsync(projectId, items);
        // The first training decided the mode from the images themselves.
        Assert.Equal(ImageColour.Colour, (await ProjectAsync(projectId)).ImageColour);

        await fixture.Get<LoopSettingsService>().UpdateAsync(admin, projectId,
            new LoopSettings(0, 0, 0, 1, "margin", ImageColour: ImageColour.Grey), Cancel);
        Assert.Equal(RunOutcome.Succeeded, await TrainAsync(projectId));
        var grey = await ScoreAsync(projectId, items);

        Assert.Equal(3, colour.Metrics.GetProperty("channels").GetInt32());
        Assert.Equal(1, grey.Metrics.GetProperty("channels").GetInt32());
        Assert.True(colour.Accuracy >= 0.95, $"colour accuracy {colour.Accuracy:P1}");
        // Identical grey images for both classes: anything the grey model gets right is luck (120 items, sd about 4.6%).
        Assert.True(grey.Accuracy <= 0.7, $"grey accuracy {grey.Accuracy:P1}");
    }

    [Fact]
    public async Task An_encoder_pretrained_in_grey_is_ignored_after_the_switch_to_colour_until_the_project_is_pretrained_again()
    {
        EngineJobsFixture.RequireEngine();
        var (projectId, items, admin) = await SquaresAsync(pretrain: true);
        await using (var db = fixture.CreateContext())
        {
            await db.Projects.Where(p => p.Id == projectId).ExecuteUpdateAsync(s => s.SetProperty(p => p.ImageColour, ImageColour.Grey), Cancel);
        }
        Assert.Equal(RunOutcome.Succeeded, await PretrainAsync(projectId));
        var runs = fixture.Get<JobRunService>();
        Assert.DoesNotContain(projectId, await runs.ProjectsDueForPretrainingAsync(1, 50, Cancel));

        await fixture.Get<LoopSettingsService>().UpdateAsync(admin, projectId,
            new LoopSettings(0, 0, 0, 1, "margin", ImageColour: ImageColour.Colour), Cancel);
        var mismatched = await TrainAsync(projectId);
        var scratch = await ScoreAsync(projectId, items);
        Assert.Contains(projectId, await runs.ProjectsDueForPretrainingAsync(1, 50, Cancel));

        Assert.Equal(RunOutcome.Succeeded, await PretrainAsync(projectId));
        Assert.Equal(RunOutcome.Succeeded, await TrainAsync(projectId));
        var pretrained = await ScoreAsync(projectId, items);

        Assert.Equal(RunOutcome.Succeeded, mismatched);
        Assert.False(scratch.Metrics.GetProperty("pretrainedEncoder").GetBoolean());
        Assert.Equal(3, scratch.Metrics.GetProperty("channels").GetInt32());
        Assert.True(pretrained.Metrics.GetProperty("pretrainedEncoder").GetBoolean());
        await using var check = fixture.CreateContext();
        var encoder = await check.EncoderVersions.AsNoTracking().SingleAsync(e => e.ProjectId == projectId && e.IsActive, Cancel);
        using var encoderMetrics = JsonDocument.Parse(encoder.MetricsJson);
        Assert.Equal(3, encoderMetrics.RootElement.GetProperty("channels").GetInt32());
    }

    [Fact]
    public void Detection_reads_colour_pixels_not_headers()
    {
        EngineJobsFixture.RequireEngine();
        var engine = fixture.Get<IModelEngine>();
        var rgbButGrey = PngEncoder.EncodeRgb8([.. Enumerable.Range(0, 4 * 4 * 3).Select(i => (byte)(i / 3 * 9))], 4, 4);
        ReadOnlyMemory<byte>[] grey = [Testing.TestImages.Png(1), rgbButGrey];
        ReadOnlyMemory<byte>[] oneColour = [Testing.TestImages.Png(2), Square(1, 0), rgbButGrey];

        Assert.Equal(ImageColour.Grey, ImageColourResolver.Detect(engine, grey));
        Assert.Equal(ImageColour.Colour, ImageColourResolver.Detect(engine, oneColour));
        Assert.Equal(ImageColour.Grey, ImageColourResolver.Detect(engine, []));
    }

    [Fact]
    public async Task A_project_of_grey_images_is_decided_grey_at_its_first_training()
    {
        EngineJobsFixture.RequireEngine();
        var admin = await fixture.CreateAdminAsync();
        var (projectId, items) = await fixture.CreateProjectAsync(24, "a", "b");
        await fixture.SetProjectAsync(projectId, retrainEvery: 0, committee: 1);
        await fixture.LabelAsync(admin, projectId, items.Take(8), n => n % 2 == 0 ? "a" : "b");

        Assert.Equal(RunOutcome.Succeeded, await TrainAsync(projectId));

        Assert.Equal(ImageColour.Grey, (await ProjectAsync(projectId)).ImageColour);
    }
}
