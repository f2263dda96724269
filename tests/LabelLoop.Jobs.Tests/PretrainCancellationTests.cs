using System.Diagnostics;
using LabelLoop.Core.Items;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;
using LabelLoop.Core.Samples;
using LabelLoop.Ml;
using LabelLoop.Ml.TorchSharp;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Jobs.Tests;

/// <summary>
/// The scheduler and the retrain loop on the real engine, with pretraining long enough that a test always cancels it
/// in the middle, and no pretraining started by the loop itself.
/// </summary>
public sealed class RunningEngineJobsFixture : JobsFixture
{
    private static readonly TorchSharpEngine Torch = new(new EngineOptions { Threads = 1 });

    protected override IModelEngine HostEngine => Torch;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Jobs:Enabled"] = "true",
        ["Jobs:LoopCheckMilliseconds"] = "200",
        ["Jobs:PretrainEpochs"] = "200",
        ["Jobs:PretrainMinItems"] = "1000000000",
    };

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        if (Torch.Info.EngineAvailable)
        {
            await StartAsync();
        }
    }

    public static void RequireEngine()
    {
        Assert.True(Torch.Info.EngineAvailable, Torch.Info.UnavailableReason);
    }
}

/// <summary>
/// Cancelling a pretraining stops its compute within about a second and frees the node's slot for libtorch work
/// (one job at a time by default), so the next training runs at once.
/// </summary>
public sealed class PretrainCancellationTests(RunningEngineJobsFixture fixture) : IClassFixture<RunningEngineJobsFixture>
{
    private const int Items = 1000;

    /// <summary>Generous for a loaded two-core machine; the job polls its row every 500 ms.</summary>
    private static readonly TimeSpan StopWithin = TimeSpan.FromSeconds(3);

    private static readonly string[] Labels = ["coat", "shirt", "bag"];

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<JobRun> RowAsync(long id)
    {
        await using var db = fixture.CreateContext();
        return await db.JobRuns.AsNoTracking().SingleAsync(j => j.Id == id, Cancel);
    }

    private static byte[] Noise(int seed)
    {
        var pixels = new byte[28 * 28];
        new Random(seed).NextBytes(pixels);
        return PngEncoder.EncodeGray8(pixels, 28, 28);
    }

    /// <summary>
    /// Texts of 128 words drawn from 30,000: the vocabulary is as large as the tokenizer allows, so one masked-token
    /// batch computes logits over 30,000 words for about 5,000 hidden tokens (seconds on one core).
    /// </summary>
    private async Task<(int ProjectId, List<long> Items)> TextProjectAsync()
    {
        var (projectId, _) = await fixture.CreateProjectAsync(0, Labels);
        await using var db = fixture.CreateContext();
        await db.Projects.Where(p => p.Id == projectId).ExecuteUpdateAsync(s => s.SetProperty(p => p.Kind, ProjectKind.Text), Cancel);
        var random = new Random(projectId);
        var items = Enumerable.Range(0, Items).Select(i => new Item
        {
            ProjectId = projectId,
            ContentHash = $"text-{projectId}-{i}",
            Text = string.Join(' ', Enumerable.Range(0, 128).Select(_ => $"w{random.Next(30_000)}")),
            ExternalId = $"t{i}",
            Status = ItemStatus.Unlabeled,
            CreatedUtc = DateTime.UnixEpoch,
        }).ToList();
        db.Items.AddRange(items);
        await db.SaveChangesAsync(Cancel);
        await db.Projects.Where(p => p.Id == projectId).ExecuteUpdateAsync(s => s.SetProperty(p => p.ItemCount, Items), Cancel);
        return (projectId, items.Select(i => i.Id).ToList());
    }

    [Theory]
    [InlineData(ProjectKind.Image)]
    [InlineData(ProjectKind.Text)]
    public async Task A_cancelled_pretraining_stops_within_seconds_and_the_next_training_runs(ProjectKind kind)
    {
        RunningEngineJobsFixture.RequireEngine();
        var admin = await fixture.CreateAdminAsync();
        var (projectId, items) = kind == ProjectKind.Image
            ? await fixture.CreateProjectAsync(Items, (project, i) => Noise((project * 10_000) + i), Labels)
            : await TextProjectAsync();
        await fixture.SetProjectAsync(projectId, retrainEvery: 0, committee: 1);
        await fixture.LabelAsync(admin, projectId, items.Take(9), n => Labels[n % 3]);
        var queue = fixture.Get<JobQueue>();

        var pretraining = await queue.PretrainNowAsync(admin, projectId, Cancel);
        await Wait.UntilAsync(async () => (await RowAsync(pretraining.Id)).Message.StartsWith("Pretraining on", StringComparison.Ordinal), 120, "pretraining");
        // Well inside the engine's loop (a text batch takes seconds on one core).
        await Task.Delay(TimeSpan.FromSeconds(1.5), Cancel);
        var clock = Stopwatch.StartNew();
        var cancelled = await queue.CancelAsync(admin, pretraining.Id, Cancel);
        var training = await queue.RetrainNowAsync(admin, projectId, Cancel);
        // The node runs one libtorch job at a time: the training starts only once the pretraining has let go.
        await Wait.UntilAsync(async () => (await RowAsync(training.Id)).Status != JobStatus.Queued, 120, "the training's start");
        var stoppedAfter = clock.Elapsed;

        Assert.Equal(JobStatus.Cancelled, cancelled.Status);
        Assert.True(stoppedAfter < StopWithin, $"The training started {stoppedAfter.TotalSeconds:F1} s after the cancel.");
        await Wait.UntilAsync(async () => (await RowAsync(training.Id)).Status is JobStatus.Succeeded or JobStatus.Failed, 120, "the training");
        var trained = await RowAsync(training.Id);
        Assert.True(trained.Status == JobStatus.Succeeded, trained.Error);
        var pretrainRow = await RowAsync(pretraining.Id);
        Assert.Equal(JobStatus.Cancelled, pretrainRow.Status);
        await using var db = fixture.CreateContext();
        Assert.False(await db.EncoderVersions.AnyAsync(e => e.ProjectId == projectId, Cancel));
    }
}
