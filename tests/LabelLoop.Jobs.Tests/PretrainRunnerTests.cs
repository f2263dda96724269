using System.Text.Json;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Jobs;
using LabelLoop.Jobs.Pretraining;
using LabelLoop.Jobs.Training;
using LabelLoop.Ml;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Jobs.Tests;

public sealed class PretrainRunnerTests(JobsFixture fixture) : IClassFixture<JobsFixture>
{
    private static readonly string[] Labels = ["coat", "shirt", "bag"];

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<long> QueueAsync(int projectId) =>
        (await fixture.Get<JobRunService>().RequestPretrainingAsync(projectId, null, "test", Cancel)).Run.Id;

    [Fact]
    public async Task Run_pretrains_embeds_every_item_and_switches_the_active_encoder()
    {
        var (projectId, items) = await fixture.CreateProjectAsync(24, Labels);
        await using (var db = fixture.CreateContext())
        {
            // Ground truth from the import: the quality report uses it while there are no labels yet.
            await db.Items.Where(i => i.ProjectId == projectId).ExecuteUpdateAsync(s => s.SetProperty(i => i.GroundTruth, "coat"), Cancel);
        }
        var runner = fixture.Get<PretrainRunner>();

        var first = await runner.RunAsync(await QueueAsync(projectId), RunAttempt.Only, Cancel);
        var secondRun = await QueueAsync(projectId);
        var second = await runner.RunAsync(secondRun, RunAttempt.Only, Cancel);

        Assert.Equal((RunOutcome.Succeeded, RunOutcome.Succeeded), (first, second));
        await using var check = fixture.CreateContext();
        var versions = await check.EncoderVersions.AsNoTracking().Where(e => e.ProjectId == projectId).OrderBy(e => e.Version).ToListAsync(Cancel);
        Assert.Equal([1, 2], versions.Select(v => v.Version));
        Assert.Equal([false, true], versions.Select(v => v.IsActive));
        Assert.Equal(secondRun, versions[1].JobRunId);
        var dir = Path.Combine(fixture.DataDir.Path, versions[1].ArtifactPath);
        Assert.True(File.Exists(Path.Combine(dir, PretrainRunner.CheckpointName)));
        var embeddings = EmbeddingFile.Load(Path.Combine(dir, PretrainRunner.EmbeddingsName));
        Assert.Equal(items, embeddings.ItemIds);
        Assert.Equal(128, embeddings.Dim);
        using var metrics = JsonDocument.Parse(versions[1].MetricsJson);
        Assert.Equal(20, metrics.RootElement.GetProperty("epochs").GetInt32());
        Assert.Equal(24, metrics.RootElement.GetProperty("trainedItems").GetInt32());
        Assert.Equal("ground truth", metrics.RootElement.GetProperty("qualitySource").GetString());
        Assert.Equal(JsonValueKind.Number, metrics.RootElement.GetProperty("knnAccuracy").ValueKind);
        var row = await check.JobRuns.AsNoTracking().SingleAsync(j => j.Id == secondRun, Cancel);
        Assert.Equal((JobStatus.Succeeded, 100), (row.Status, row.Progress));
        Assert.StartsWith("Pretrained on 24 items", row.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Training_starts_the_committee_network_from_the_active_encoder_unless_pretraining_is_off()
    {
        var admin = await fixture.CreateAdminAsync();
        var (projectId, items) = await fixture.CreateProjectAsync(30, Labels);
        await fixture.SetProjectAsync(projectId, retrainEvery: 0, committee: 3);
        await fixture.LabelAsync(admin, projectId, items.Take(9), n => Labels[n % Labels.Length]);
        Assert.Equal(RunOutcome.Succeeded, await fixture.Get<PretrainRunner>().RunAsync(await QueueAsync(projectId), RunAttempt.Only, Cancel));
        var runs = fixture.Get<JobRunService>();
        var before = fixture.Engine.CopyEncoderCalls;

        var withEncoder = await fixture.Get<TrainingRunner>().RunAsync((await runs.RequestTrainingAsync(projectId, null, "test", Cancel)).Run.Id, RunAttempt.Only, Cancel);
        var copied = fixture.Engine.CopyEncoderCalls - before;
        await using (var db = fixture.CreateContext())
        {
            await db.Projects.Where(p => p.Id == projectId).ExecuteUpdateAsync(s => s.SetProperty(p => p.PretrainEnabled, false), Cancel);
        }
        var without = await fixture.Get<TrainingRunner>().RunAsync((await runs.RequestTrainingAsync(projectId, null, "test", Cancel)).Run.Id, RunAttempt.Only, Cancel);

        Assert.Equal((RunOutcome.Succeeded, RunOutcome.Succeeded), (withEncoder, without));
        // The committee's one network starts from the encoder; the other members are heads on its embeddings.
        Assert.Equal(1, copied);
        Assert.Equal(1, fixture.Engine.CopyEncoderCalls - before);
    }

    /// <summary>
    /// A runner whose engine decodes images for real and embeds them as their pixels, so that unlike images land
    /// apart (with a cache of its own: the fixture's holds the other engine's decodings).
    /// </summary>
    private PretrainRunner PixelRunner() => new(fixture.Database.ContextFactory, fixture.Get<JobRunService>(),
        fixture.Get<Data.Models.EncoderVersionService>(), new FakeModelEngine { EmbedsPixels = true, DecodesPixels = true },
        new DecodedImageCache(fixture.Get<Data.Blobs.BlobStore>(), fixture.Get<Microsoft.Extensions.Options.IOptions<JobsOptions>>()),
        fixture.Get<ImageColourResolver>(), fixture.Get<Microsoft.Extensions.Options.IOptions<Data.LabelLoopStorageOptions>>(),
        fixture.Get<Microsoft.Extensions.Options.IOptions<JobsOptions>>(),
        Microsoft.Extensions.Logging.Abstractions.NullLogger<PretrainRunner>.Instance);

    // 14 dark images and 6 bright ones: two clusters of the pixel embeddings.
    private static byte[] DarkOrBright(int projectId, int i) =>
        Testing.TestImages.ColourPng((projectId * 100) + i, i < 14 ? ((byte)10, (byte)10, (byte)10) : ((byte)240, (byte)240, (byte)240), 8, 8);

    [Fact]
    public async Task A_new_encoder_orders_the_first_items_of_a_project_without_a_model_one_per_cluster_and_annotators_get_them_first()
    {
        var (projectId, items) = await fixture.CreateProjectAsync(20, DarkOrBright, Labels);
        // The first training comes after 2 labels: the order holds 2 items, the typical items of 2 clusters.
        await fixture.SetProjectAsync(projectId, retrainEvery: 2);

        Assert.Equal(RunOutcome.Succeeded, await PixelRunner().RunAsync(await QueueAsync(projectId), RunAttempt.Only, Cancel));

        await using var db = fixture.CreateContext();
        var order = await db.Items.AsNoTracking().Where(i => i.ProjectId == projectId && i.ColdStartRank != null)
            .OrderBy(i => i.ColdStartRank).Select(i => new { i.Id, i.ColdStartRank }).ToListAsync(Cancel);
        Assert.Equal([1, 2], order.Select(o => o.ColdStartRank!.Value));
        // The bigger cluster first, then the other: one dark image and one bright one.
        Assert.Equal([true, false], order.Select(o => items.IndexOf(o.Id) < 14));
        var encoder = await db.EncoderVersions.AsNoTracking().SingleAsync(e => e.ProjectId == projectId && e.IsActive, Cancel);
        using (var metrics = JsonDocument.Parse(encoder.MetricsJson))
        {
            Assert.Equal(2, metrics.RootElement.GetProperty("coldStartItems").GetInt32());
        }

        var served = await fixture.Get<Data.Items.ItemLeaseService>().NextAsync(await fixture.CreateAdminAsync(), projectId, 2, Cancel);
        Assert.Equal(order.Select(o => o.Id), served.Select(s => s.ItemId));
        Assert.Equal((Core.Strategies.QueryStrategies.Typical, 1), (served[0].Why!.Strategy, served[0].Why!.Rank));
    }

    [Fact]
    public async Task Once_a_model_ranks_the_pool_a_new_encoder_clears_the_cold_start_order_and_writes_none()
    {
        var admin = await fixture.CreateAdminAsync();
        var (projectId, items) = await fixture.CreateProjectAsync(20, DarkOrBright, Labels);
        await fixture.SetProjectAsync(projectId, retrainEvery: 0, committee: 1);
        var runner = PixelRunner();
        Assert.Equal(RunOutcome.Succeeded, await runner.RunAsync(await QueueAsync(projectId), RunAttempt.Only, Cancel));
        await using var db = fixture.CreateContext();
        Assert.True(await db.Items.AnyAsync(i => i.ProjectId == projectId && i.ColdStartRank != null, Cancel));
        await fixture.LabelAsync(admin, projectId, items.Take(6), n => Labels[n % Labels.Length]);
        var training = (await fixture.Get<JobRunService>().RequestTrainingAsync(projectId, null, "test", Cancel)).Run.Id;
        Assert.Equal(RunOutcome.Succeeded, await fixture.Get<TrainingRunner>().RunAsync(training, RunAttempt.Only, Cancel));

        Assert.Equal(RunOutcome.Succeeded, await runner.RunAsync(await QueueAsync(projectId), RunAttempt.Only, Cancel));

        Assert.False(await db.Items.AnyAsync(i => i.ProjectId == projectId && i.ColdStartRank != null, Cancel));
        Assert.Equal(2, await db.EncoderVersions.CountAsync(e => e.ProjectId == projectId, Cancel));
    }

    [Fact]
    public async Task A_project_without_a_pool_fails_with_the_reason_and_publishes_nothing()
    {
        var (projectId, _) = await fixture.CreateProjectAsync(1, Labels);
        var runId = await QueueAsync(projectId);

        var outcome = await fixture.Get<PretrainRunner>().RunAsync(runId, RunAttempt.Only, Cancel);

        Assert.Equal(RunOutcome.Failed, outcome);
        await using var db = fixture.CreateContext();
        var row = await db.JobRuns.AsNoTracking().SingleAsync(j => j.Id == runId, Cancel);
        Assert.Contains("1 item(s) with content", row.Error, StringComparison.Ordinal);
        Assert.False(await db.EncoderVersions.AnyAsync(e => e.ProjectId == projectId, Cancel));
    }

    [Fact]
    public void An_interrupted_pretraining_resumes_from_its_last_checkpoint()
    {
        using var dir = new Testing.TempDirectory();
        var spec = ModelSpec.ForImages(2, imageSize: 8);
        var batch = ModelBatch.FromPixels(new float[4 * 64], 4);
        var plan = new PretrainPlan(TotalEpochs: 6, EpochsPerCheckpoint: 2, new PretrainingOptions { BatchSize = 4 });
        using var interrupt = new CancellationTokenSource();

        Assert.ThrowsAny<OperationCanceledException>(() => EncoderPretrainer.Run(fixture.Engine, spec, batch, plan, dir.Path,
            (done, _, _) =>
            {
                if (done == 4)
                {
                    interrupt.Cancel();
                }
            }, interrupt.Token));
        var callsBefore = fixture.Engine.PretrainCalls;
        var resumed = EncoderPretrainer.Run(fixture.Engine, spec, batch, plan, dir.Path, null, Cancel);
        resumed.Model.Dispose();

        Assert.Equal(4, resumed.ResumedAtEpoch);
        Assert.Equal(6, resumed.Epochs);
        Assert.Equal(1, fixture.Engine.PretrainCalls - callsBefore);
    }

    [Fact]
    public async Task Projects_are_due_for_pretraining_when_new_and_when_their_pool_has_grown()
    {
        var runs = fixture.Get<JobRunService>();
        var (projectId, _) = await fixture.CreateProjectAsync(10, Labels);

        Assert.Contains(projectId, await runs.ProjectsDueForPretrainingAsync(minItems: 10, growthPercent: 50, Cancel));
        Assert.DoesNotContain(projectId, await runs.ProjectsDueForPretrainingAsync(minItems: 11, growthPercent: 50, Cancel));

        await QueueAsync(projectId);
        Assert.DoesNotContain(projectId, await runs.ProjectsDueForPretrainingAsync(10, 50, Cancel));

        await using var db = fixture.CreateContext();
        await db.Projects.Where(p => p.Id == projectId).ExecuteUpdateAsync(s => s.SetProperty(p => p.ItemCount, 15), Cancel);
        Assert.Contains(projectId, await runs.ProjectsDueForPretrainingAsync(10, 50, Cancel));

        await db.Projects.Where(p => p.Id == projectId).ExecuteUpdateAsync(s => s.SetProperty(p => p.PretrainEnabled, false), Cancel);
        Assert.DoesNotContain(projectId, await runs.ProjectsDueForPretrainingAsync(10, 50, Cancel));
    }

    [Fact]
    public async Task A_text_project_on_the_linear_model_is_not_due_for_pretraining_until_it_switches_to_the_neural_one()
    {
        var runs = fixture.Get<JobRunService>();
        var (projectId, _) = await fixture.CreateProjectAsync(10, Labels);
        await using var db = fixture.CreateContext();
        await db.Projects.Where(p => p.Id == projectId).ExecuteUpdateAsync(s => s.SetProperty(p => p.Kind, ProjectKind.Text), Cancel);

        // A new text project trains the linear model, which reads words and never an encoder.
        Assert.Equal(TextModel.Linear, (await db.Projects.AsNoTracking().SingleAsync(p => p.Id == projectId, Cancel)).TextModel);
        Assert.DoesNotContain(projectId, await runs.ProjectsDueForPretrainingAsync(10, 50, Cancel));

        await db.Projects.Where(p => p.Id == projectId).ExecuteUpdateAsync(s => s.SetProperty(p => p.TextModel, TextModel.Neural), Cancel);
        Assert.Contains(projectId, await runs.ProjectsDueForPretrainingAsync(10, 50, Cancel));
    }
}
