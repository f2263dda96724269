using LabelLoop.Core.Jobs;
using LabelLoop.Core.Models;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Jobs.Tests;

/// <summary>
/// A fixture whose host runs Hangfire's servers, the loop's trigger and the webhook sender on its database (Hangfire's SQLite file beside
/// it, or its schema in PostgreSQL: <see cref="RunningPostgresJobsFixture"/>).
/// </summary>
public sealed class RunningJobsFixture : JobsFixture
{
    internal static Dictionary<string, string?> RunningSettings => new()
    {
        ["Jobs:Enabled"] = "true",
        ["Jobs:LoopCheckMilliseconds"] = "200",
        // The webhook receivers listen on loopback; a failed delivery is tried again a second later.
        ["Webhooks:AllowPrivateNetworks"] = "true",
        ["Webhooks:FirstRetrySeconds"] = "1",
    };

    protected override IDictionary<string, string?> Settings => RunningSettings;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await StartAsync();
    }
}

public abstract class SchedulerTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : JobsFixture
{
    private static readonly string[] Labels = ["coat", "shirt", "bag"];

    private async Task<List<ModelVersion>> VersionsAsync(int projectId)
    {
        await using var db = fixture.CreateContext();
        return await db.ModelVersions.AsNoTracking().Where(v => v.ProjectId == projectId).OrderBy(v => v.Version)
            .ToListAsync(TestContext.Current.CancellationToken);
    }

    private async Task<List<JobRun>> RunsAsync(int projectId)
    {
        await using var db = fixture.CreateContext();
        return await db.JobRuns.AsNoTracking().Where(j => j.ProjectId == projectId).OrderBy(j => j.Id)
            .ToListAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Labeling_past_the_threshold_makes_model_versions_appear_by_themselves()
    {
        var admin = await fixture.CreateAdminAsync();
        var (projectId, ids) = await fixture.CreateProjectAsync(40, Labels);
        await fixture.SetProjectAsync(projectId, retrainEvery: 5, committee: 2);

        await fixture.LabelAsync(admin, projectId, ids.Take(4), n => Labels[n % 3]);
        await Task.Delay(600, TestContext.Current.CancellationToken);
        Assert.Empty(await RunsAsync(projectId));

        await fixture.LabelAsync(admin, projectId, ids.Skip(4).Take(1), n => Labels[n % 3]);
        await Wait.UntilAsync(async () => (await VersionsAsync(projectId)).Any(v => v.IsActive), what: "version 1");

        await fixture.LabelAsync(admin, projectId, ids.Skip(5).Take(5), n => Labels[n % 3]);
        await Wait.UntilAsync(async () => (await VersionsAsync(projectId)).Any(v => v.IsActive && v.Version == 2), what: "version 2");
        var versions = await VersionsAsync(projectId);
        Assert.Equal(10, versions[1].LabelCount);
        Assert.Single(versions, v => v.IsActive);
        Assert.All(await RunsAsync(projectId), r => Assert.Equal(JobStatus.Succeeded, r.Status));
    }

    [Fact]
    public async Task A_burst_of_labels_keeps_at_most_one_chain_queued_and_one_running()
    {
        var admin = await fixture.CreateAdminAsync();
        var (projectId, ids) = await fixture.CreateProjectAsync(60, Labels);
        await fixture.SetProjectAsync(projectId, retrainEvery: 2, committee: 1);
        fixture.Engine.EpochDelay = TimeSpan.FromMilliseconds(30);
        try
        {
            var worst = (Queued: 0, Running: 0);
            foreach (var id in ids.Take(40))
            {
                await fixture.LabelAsync(admin, projectId, [id], n => Labels[(int)(id % 3)]);
                var runs = await RunsAsync(projectId);
                worst = (Math.Max(worst.Queued, runs.Count(r => r.Status == JobStatus.Queued)),
                    Math.Max(worst.Running, runs.Count(r => r.Status == JobStatus.Running)));
            }
            Assert.True(worst.Queued <= 1, $"{worst.Queued} queued at once");
            Assert.True(worst.Running <= 1, $"{worst.Running} running at once");

            // Everything settles into a version trained on all 40 labels.
            await Wait.UntilAsync(async () => (await VersionsAsync(projectId)).Any(v => v.IsActive && v.LabelCount == 40), 60, "final version");
            Assert.True((await RunsAsync(projectId)).Count < 20, "labels were debounced into fewer chains than thresholds crossed");
        }
        finally
        {
            fixture.Engine.EpochDelay = TimeSpan.Zero;
        }
    }

    [Fact]
    public async Task An_upload_is_imported_through_the_default_queue()
    {
        var admin = await fixture.CreateAdminAsync();
        var projectId = await fixture.Get<Data.Projects.ProjectService>().CreateAsync(Core.Accounts.Caller.System,
            new Core.Projects.ProjectInput($"import-{Guid.NewGuid():N}", Core.Projects.ProjectKind.Text,
                [new Core.Projects.LabelSpec("yes"), new Core.Projects.LabelSpec("no")]), TestContext.Current.CancellationToken);
        var folder = Guid.NewGuid().ToString("N");
        var file = Path.Combine(fixture.DataDir.Path, "uploads", folder, "upload.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, "{\"id\":\"a\",\"text\":\"first\",\"label\":\"yes\"}\n{\"id\":\"b\",\"text\":\"second\"}\n",
            TestContext.Current.CancellationToken);

        var run = await fixture.Get<JobQueue>().QueueImportAsync(admin, projectId, $"{folder}/upload.jsonl", "notes.jsonl", true,
            TestContext.Current.CancellationToken);

        await Wait.UntilAsync(async () => (await RunsAsync(projectId)).Single(r => r.Id == run.Id).Status is JobStatus.Succeeded or JobStatus.Failed, 30, "import");
        var row = (await RunsAsync(projectId)).Single(r => r.Id == run.Id);
        Assert.True(row.Status == JobStatus.Succeeded, row.Error);
        Assert.NotNull(row.BackgroundJobId);
        await using var db = fixture.CreateContext();
        Assert.Equal(2, await db.Items.CountAsync(i => i.ProjectId == projectId, TestContext.Current.CancellationToken));
        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task A_simulation_runs_through_the_ml_queue_and_writes_its_curves()
    {
        var admin = await fixture.CreateAdminAsync();
        var (projectId, _) = await fixture.CreateProjectAsync(40, Labels);
        await using (var db = fixture.CreateContext())
        {
            await db.Items.Where(i => i.ProjectId == projectId).ExecuteUpdateAsync(
                s => s.SetProperty(i => i.GroundTruth, i => i.Id % 3 == 0 ? "coat" : i.Id % 3 == 1 ? "shirt" : "bag"), TestContext.Current.CancellationToken);
        }

        var run = await fixture.Get<JobQueue>().RequestSimulationAsync(admin, projectId,
            new LabelLoop.Jobs.Simulation.SimulationParameters { Strategies = ["random"], Initial = 6, Step = 6, Budget = 12, Seeds = 1 }, TestContext.Current.CancellationToken);

        await Wait.UntilAsync(async () => (await RunsAsync(projectId)).Single(r => r.Id == run.Id).Status is JobStatus.Succeeded or JobStatus.Failed, 120, "simulation");
        var row = (await RunsAsync(projectId)).Single(r => r.Id == run.Id);
        Assert.True(row.Status == JobStatus.Succeeded, row.Error);
        Assert.NotNull(row.BackgroundJobId);
        var csv = await File.ReadAllLinesAsync(
            Path.Combine(fixture.Get<LabelLoop.Jobs.Simulation.SimulationRunner>().OutputDirectory(run.Id), "curves.csv"), TestContext.Current.CancellationToken);
        Assert.Equal("strategy,seed,labels,accuracy", csv[0]);
        Assert.Equal(1 + 2, csv.Length);
    }

    [Fact]
    public async Task A_label_reaches_its_webhook_through_the_default_queue_and_a_failed_send_is_tried_again()
    {
        await using var receiver = new Webhooks.TestReceiver();
        receiver.Then(new Webhooks.TestReceiver.Response(503));
        var admin = await fixture.CreateAdminAsync();
        var (projectId, ids) = await fixture.CreateProjectAsync(2, Labels);
        var webhooks = fixture.Get<Data.Webhooks.WebhookService>();
        var hook = await webhooks.CreateAsync(admin, projectId, receiver.Url(), [Core.Webhooks.WebhookEvents.AnnotationCreated], TestContext.Current.CancellationToken);

        // Nothing polls the outbox: the label's commit wakes the sender, and its failure schedules the retry.
        await fixture.LabelAsync(admin, projectId, ids.Take(1), _ => "bag");

        async Task<Data.Webhooks.WebhookDeliveryView> DeliveryAsync() => Assert.Single(
            await webhooks.ListDeliveriesAsync(Core.Accounts.Caller.System, projectId, hook.Webhook.Id, null, 10, TestContext.Current.CancellationToken));
        await Wait.UntilAsync(async () => (await DeliveryAsync()).Status == "succeeded", 30, "the delivery");
        var delivery = await DeliveryAsync();
        Assert.Equal(2, delivery.Attempts);
        Assert.Equal(2, receiver.Received.Count);
        Assert.All(receiver.Received, r => Assert.Equal("annotation.created", r.Headers["X-LabelLoop-Event"]));
    }

    [Fact]
    public async Task An_export_runs_through_the_default_queue_beside_a_training()
    {
        var admin = await fixture.CreateAdminAsync();
        var (projectId, ids) = await fixture.CreateProjectAsync(20, Labels);
        await fixture.SetProjectAsync(projectId, retrainEvery: 0, committee: 1, trainingSteps: 40);
        await fixture.LabelAsync(admin, projectId, ids.Take(6), n => Labels[n % 3]);
        fixture.Engine.EpochDelay = TimeSpan.FromMilliseconds(200);
        try
        {
            // The training holds the node's one ml worker; the export still runs at once on the default queue.
            var training = await fixture.Get<JobQueue>().RetrainNowAsync(admin, projectId, TestContext.Current.CancellationToken);
            await Wait.UntilAsync(async () => (await RunsAsync(projectId)).Single(r => r.Id == training.Id).Status == JobStatus.Running, what: "training start");
            var export = await fixture.Get<LabelLoop.Jobs.Export.ExportQueue>().StartAsync(admin, projectId, "jsonl", new LabelLoop.Data.Export.ExportFilter(), TestContext.Current.CancellationToken);
            await Wait.UntilAsync(async () => (await RunsAsync(projectId)).Single(r => r.Id == export.JobId).Status == JobStatus.Succeeded, 30, "export");
            var rows = await RunsAsync(projectId);
            Assert.Equal(JobStatus.Running, rows.Single(r => r.Id == training.Id).Status);
            Assert.NotNull(rows.Single(r => r.Id == export.JobId).BackgroundJobId);
            await Wait.UntilAsync(async () => (await RunsAsync(projectId)).Single(r => r.Id == training.Id).Status == JobStatus.Succeeded, 60, "training");
        }
        finally
        {
            fixture.Engine.EpochDelay = TimeSpan.Zero;
        }
    }

    [Fact]
    public async Task A_training_that_outlasts_the_invisibility_timeout_runs_once()
    {
        var admin = await fixture.CreateAdminAsync();
        var (projectId, ids) = await fixture.CreateProjectAsync(20, Labels);
        // 40 steps of batch 6 on 6 labels: 40 epochs of 400 ms, past the fixture's 10-second invisibility timeout.
        await fixture.SetProjectAsync(projectId, retrainEvery: 0, committee: 1, trainingSteps: 40);
        await fixture.LabelAsync(admin, projectId, ids.Take(6), n => Labels[n % 3]);
        var trainsBefore = fixture.Engine.TrainCalls;
        fixture.Engine.EpochDelay = TimeSpan.FromMilliseconds(400);
        try
        {
            var run = await fixture.Get<JobQueue>().RetrainNowAsync(admin, projectId, TestContext.Current.CancellationToken);
            await Wait.UntilAsync(async () => (await RunsAsync(projectId)).Single(r => r.Id == run.Id).Status == JobStatus.Succeeded, 90, "long training");
            var row = (await RunsAsync(projectId)).Single(r => r.Id == run.Id);
            Assert.True(row.FinishedUtc - row.StartedUtc > TimeSpan.FromSeconds(12), $"the training took {row.FinishedUtc - row.StartedUtc}");
        }
        finally
        {
            fixture.Engine.EpochDelay = TimeSpan.Zero;
        }
        Assert.Equal(1, fixture.Engine.TrainCalls - trainsBefore);
        Assert.Single(await VersionsAsync(projectId));
    }

    [Fact]
    public async Task Retrain_now_runs_through_the_scheduler_and_cancel_stops_it()
    {
        var admin = await fixture.CreateAdminAsync();
        var (projectId, ids) = await fixture.CreateProjectAsync(20, Labels);
        await fixture.SetProjectAsync(projectId, retrainEvery: 0, committee: 1);
        await fixture.LabelAsync(admin, projectId, ids.Take(6), n => Labels[n % 3]);
        var queue = fixture.Get<JobQueue>();

        var done = await queue.RetrainNowAsync(admin, projectId, TestContext.Current.CancellationToken);
        await Wait.UntilAsync(async () => (await RunsAsync(projectId)).Single(r => r.Id == done.Id).Status == JobStatus.Succeeded, what: "retrain");

        fixture.Engine.EpochDelay = TimeSpan.FromMilliseconds(300);
        try
        {
            var slow = await queue.RetrainNowAsync(admin, projectId, TestContext.Current.CancellationToken);
            await Wait.UntilAsync(async () => (await RunsAsync(projectId)).Single(r => r.Id == slow.Id).Message.StartsWith("Training", StringComparison.Ordinal),
                what: "training start");
            var view = await queue.CancelAsync(admin, slow.Id, TestContext.Current.CancellationToken);
            Assert.Equal(JobStatus.Cancelled, view.Status);
            await Wait.UntilAsync(async () => !(await RunsAsync(projectId)).Single(r => r.Id == slow.Id).Message.StartsWith("Training", StringComparison.Ordinal)
                || (await RunsAsync(projectId)).Single(r => r.Id == slow.Id).Status == JobStatus.Cancelled, 5, "cancel");
        }
        finally
        {
            fixture.Engine.EpochDelay = TimeSpan.Zero;
        }
        var versions = await VersionsAsync(projectId);
        Assert.Single(versions);
        Assert.True(versions[0].IsActive);
    }
}

/// <summary>The tests above on the default provider (SQLite).</summary>
public sealed class SchedulerTests(RunningJobsFixture fixture) : SchedulerTests<RunningJobsFixture>(fixture);

/// <summary>The tests above on PostgreSQL.</summary>
public sealed class SchedulerTestsOnPostgres(RunningPostgresJobsFixture fixture) : SchedulerTests<RunningPostgresJobsFixture>(fixture);
