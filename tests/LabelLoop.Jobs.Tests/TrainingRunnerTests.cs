using System.Text.Json;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Jobs;
using LabelLoop.Data.Items;
using LabelLoop.Data.Jobs;
using LabelLoop.Jobs.Training;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Jobs.Tests;

public abstract class TrainingRunnerTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : JobsFixture
{
    private static readonly string[] Labels = ["coat", "shirt", "bag"];

    private async Task<(int ProjectId, List<long> Items, Caller Admin)> LabeledProjectAsync(int items = 30, int labeled = 9)
    {
        var admin = await fixture.CreateAdminAsync();
        var (projectId, ids) = await fixture.CreateProjectAsync(items, Labels);
        await fixture.SetProjectAsync(projectId, retrainEvery: 0);
        await fixture.LabelAsync(admin, projectId, ids.Take(labeled), n => Labels[n % Labels.Length]);
        return (projectId, ids, admin);
    }

    private async Task<long> QueueAsync(int projectId) =>
        (await fixture.Get<JobRunService>().RequestTrainingAsync(projectId, null, "test", TestContext.Current.CancellationToken)).Run.Id;

    private async Task<JobRun> RowAsync(long id)
    {
        await using var db = fixture.CreateContext();
        return await db.JobRuns.AsNoTracking().SingleAsync(j => j.Id == id, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Run_trains_a_committee_ranks_the_pool_and_switches_the_ranking()
    {
        var (projectId, items, admin) = await LabeledProjectAsync();
        var runId = await QueueAsync(projectId);

        var outcome = await fixture.Get<TrainingRunner>().RunAsync(runId, RunAttempt.Only, TestContext.Current.CancellationToken);

        Assert.Equal(RunOutcome.Succeeded, outcome);
        var row = await RowAsync(runId);
        Assert.Equal(JobStatus.Succeeded, row.Status);
        Assert.Equal(100, row.Progress);
        Assert.Equal(TrainingRunner.NodeName, row.Node);
        Assert.NotNull(row.FinishedUtc);
        await using var db = fixture.CreateContext();
        var version = await db.ModelVersions.AsNoTracking().SingleAsync(v => v.ProjectId == projectId, TestContext.Current.CancellationToken);
        Assert.True(version.IsActive);
        Assert.Equal(1, version.Version);
        Assert.Equal(9, version.LabelCount);
        Assert.Equal("margin+diverse", version.Strategy);
        Assert.True(Directory.Exists(Path.Combine(fixture.DataDir.Path, version.ArtifactPath)));
        Assert.Equal(5, Directory.GetFiles(Path.Combine(fixture.DataDir.Path, version.ArtifactPath)).Length);
        using (var metrics = JsonDocument.Parse(version.MetricsJson))
        {
            Assert.Equal(5, metrics.RootElement.GetProperty("committee").GetInt32());
        }

        var predictions = await db.Predictions.AsNoTracking().Where(p => p.ModelVersionId == version.Id)
            .OrderBy(p => p.Rank).ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal(21, predictions.Count);
        Assert.Equal(Enumerable.Range(1, 21), predictions.Select(p => p.Rank!.Value));
        Assert.All(predictions, p => Assert.DoesNotContain(p.ItemId, items.Take(9)));
        // The diverse batch leads; past it the ranking follows the score.
        var rest = predictions.Skip(TrainingRunner.SelectionBatch).ToList();
        Assert.True(rest.Zip(rest.Skip(1)).All(pair => pair.First.Score >= pair.Second.Score));
        using (var reason = JsonDocument.Parse(predictions[0].ReasonJson))
        {
            Assert.Equal("margin+diverse", reason.RootElement.GetProperty("strategy").GetString());
            Assert.Equal(2, reason.RootElement.GetProperty("top").GetArrayLength());
            Assert.Contains(reason.RootElement.GetProperty("top")[0].GetProperty("label").GetString(), Labels);
            // Every one of the 5 members votes (the network and the heads on its embeddings).
            Assert.Equal(5, reason.RootElement.GetProperty("votes").GetString()!.Split(", ").Sum(v => int.Parse(v[(v.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)));
        }

        // Annotators are now served from the new ranking, best-ranked first, with the reason attached.
        var next = await fixture.Get<ItemLeaseService>().NextAsync(admin, projectId, 1, TestContext.Current.CancellationToken);
        Assert.Equal(predictions[0].ItemId, next[0].ItemId);
        Assert.NotNull(next[0].Why);
        Assert.Equal("margin+diverse", next[0].Why!.Strategy);
    }

    [Fact]
    public async Task A_second_run_publishes_version_two_and_deactivates_version_one()
    {
        var (projectId, _, _) = await LabeledProjectAsync();
        var runner = fixture.Get<TrainingRunner>();
        await runner.RunAsync(await QueueAsync(projectId), RunAttempt.Only, TestContext.Current.CancellationToken);
        await fixture.SetProjectAsync(projectId, strategy: "entropy", committee: 1);

        await runner.RunAsync(await QueueAsync(projectId), RunAttempt.Only, TestContext.Current.CancellationToken);

        await using var db = fixture.CreateContext();
        var versions = await db.ModelVersions.AsNoTracking().Where(v => v.ProjectId == projectId).OrderBy(v => v.Version)
            .ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal([1, 2], versions.Select(v => v.Version));
        Assert.Equal([false, true], versions.Select(v => v.IsActive));
        Assert.Equal("entropy", versions[1].Strategy);
        var reason = await db.Predictions.Where(p => p.ModelVersionId == versions[1].Id && p.Rank == 1).Select(p => p.ReasonJson)
            .SingleAsync(TestContext.Current.CancellationToken);
        Assert.DoesNotContain("votes", reason);
    }

    [Fact]
    public async Task Bad_input_fails_the_run_with_its_message_and_publishes_nothing()
    {
        var admin = await fixture.CreateAdminAsync();
        var (projectId, ids) = await fixture.CreateProjectAsync(5, "only");
        await fixture.LabelAsync(admin, projectId, ids.Take(2), _ => "only");
        var runId = await QueueAsync(projectId);

        var outcome = await fixture.Get<TrainingRunner>().RunAsync(runId, new RunAttempt(0, IsLast: false), TestContext.Current.CancellationToken);

        Assert.Equal(RunOutcome.Failed, outcome);
        var row = await RowAsync(runId);
        Assert.Equal(JobStatus.Failed, row.Status);
        Assert.Contains("at least two classes", row.Error);
        await using var db = fixture.CreateContext();
        Assert.False(await db.ModelVersions.AnyAsync(v => v.ProjectId == projectId, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_project_without_labels_fails_with_a_readable_error()
    {
        var (projectId, _) = await fixture.CreateProjectAsync(5, Labels);
        var runId = await QueueAsync(projectId);

        await fixture.Get<TrainingRunner>().RunAsync(runId, RunAttempt.Only, TestContext.Current.CancellationToken);

        Assert.Contains("no labeled items", (await RowAsync(runId)).Error);
    }

    [Fact]
    public async Task A_job_that_throws_leaves_a_failed_row_and_the_previous_ranking_active()
    {
        var (projectId, _, _) = await LabeledProjectAsync();
        var runner = fixture.Get<TrainingRunner>();
        await runner.RunAsync(await QueueAsync(projectId), RunAttempt.Only, TestContext.Current.CancellationToken);
        var runId = await QueueAsync(projectId);

        var engine = new FakeModelEngine { PredictFailure = new InvalidOperationException("scoring blew up") };
        var failing = new TrainingRunner(fixture.Database.ContextFactory, fixture.Get<JobRunService>(),
            fixture.Get<Data.Models.ModelVersionService>(), fixture.Get<Data.Models.EncoderVersionService>(), engine, fixture.Get<DecodedImageCache>(), fixture.Get<ImageColourResolver>(),
            fixture.Get<Microsoft.Extensions.Options.IOptions<Data.LabelLoopStorageOptions>>(),
            fixture.Get<Microsoft.Extensions.Options.IOptions<JobsOptions>>(),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<TrainingRunner>.Instance);
        var outcome = await failing.RunAsync(runId, RunAttempt.Only, TestContext.Current.CancellationToken);

        Assert.Equal(RunOutcome.Failed, outcome);
        var row = await RowAsync(runId);
        Assert.Equal(JobStatus.Failed, row.Status);
        Assert.Equal("scoring blew up", row.Error);
        await using var db = fixture.CreateContext();
        var versions = await db.ModelVersions.AsNoTracking().Where(v => v.ProjectId == projectId).ToListAsync(TestContext.Current.CancellationToken);
        var only = Assert.Single(versions);
        Assert.True(only.IsActive);
        Assert.False(Directory.Exists(Path.Combine(fixture.DataDir.Path, "models", $"project-{projectId}", $"run-{runId}")));
    }

    [Fact]
    public async Task Transient_failures_requeue_for_a_retry_until_the_last_try()
    {
        var (projectId, _, _) = await LabeledProjectAsync();
        var runId = await QueueAsync(projectId);
        var engine = new FakeModelEngine { PredictFailure = new IOException("disk hiccup") };
        var runner = new TrainingRunner(fixture.Database.ContextFactory, fixture.Get<JobRunService>(),
            fixture.Get<Data.Models.ModelVersionService>(), fixture.Get<Data.Models.EncoderVersionService>(), engine, fixture.Get<DecodedImageCache>(), fixture.Get<ImageColourResolver>(),
            fixture.Get<Microsoft.Extensions.Options.IOptions<Data.LabelLoopStorageOptions>>(),
            fixture.Get<Microsoft.Extensions.Options.IOptions<JobsOptions>>(),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<TrainingRunner>.Instance);

        await Assert.ThrowsAsync<TransientJobException>(() => runner.RunAsync(runId, new RunAttempt(0, IsLast: false), TestContext.Current.CancellationToken));
        var retrying = await RowAsync(runId);
        Assert.Equal(JobStatus.Queued, retrying.Status);
        Assert.Contains("disk hiccup", retrying.Message);

        var outcome = await runner.RunAsync(runId, new RunAttempt(3, IsLast: true), TestContext.Current.CancellationToken);
        Assert.Equal(RunOutcome.Failed, outcome);
        Assert.Equal("disk hiccup", (await RowAsync(runId)).Error);
    }

    [Fact]
    public async Task Cancel_stops_a_running_training_within_seconds_and_publishes_nothing()
    {
        var (projectId, _, admin) = await LabeledProjectAsync();
        var runId = await QueueAsync(projectId);
        var engine = new FakeModelEngine { EpochDelay = TimeSpan.FromMilliseconds(200) };
        var runner = new TrainingRunner(fixture.Database.ContextFactory, fixture.Get<JobRunService>(),
            fixture.Get<Data.Models.ModelVersionService>(), fixture.Get<Data.Models.EncoderVersionService>(), engine, fixture.Get<DecodedImageCache>(), fixture.Get<ImageColourResolver>(),
            fixture.Get<Microsoft.Extensions.Options.IOptions<Data.LabelLoopStorageOptions>>(),
            fixture.Get<Microsoft.Extensions.Options.IOptions<JobsOptions>>(),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<TrainingRunner>.Instance);

        var running = runner.RunAsync(runId, RunAttempt.Only, TestContext.Current.CancellationToken);
        await Wait.UntilAsync(async () => (await RowAsync(runId)).Message.StartsWith("Training", StringComparison.Ordinal));
        var cancelledAt = System.Diagnostics.Stopwatch.StartNew();
        var view = await fixture.Get<JobRunService>().CancelAsync(admin, runId, TestContext.Current.CancellationToken);
        Assert.Equal(JobStatus.Cancelled, view.Status);

        var outcome = await running;
        Assert.Equal(RunOutcome.Cancelled, outcome);
        Assert.True(cancelledAt.Elapsed < TimeSpan.FromSeconds(3), $"stopped after {cancelledAt.Elapsed}");
        Assert.Equal(JobStatus.Cancelled, (await RowAsync(runId)).Status);
        await using var db = fixture.CreateContext();
        Assert.False(await db.ModelVersions.AnyAsync(v => v.ProjectId == projectId, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_run_cancelled_while_queued_never_starts()
    {
        var (projectId, _, admin) = await LabeledProjectAsync();
        var runId = await QueueAsync(projectId);
        await fixture.Get<JobRunService>().CancelAsync(admin, runId, TestContext.Current.CancellationToken);

        var outcome = await fixture.Get<TrainingRunner>().RunAsync(runId, RunAttempt.Only, TestContext.Current.CancellationToken);

        Assert.Equal(RunOutcome.Skipped, outcome);
        Assert.Null((await RowAsync(runId)).StartedUtc);
    }

    [Fact]
    public async Task Text_projects_train_on_tokenized_text()
    {
        var admin = await fixture.CreateAdminAsync();
        var projectId = await fixture.Get<Data.Projects.ProjectService>().CreateAsync(Caller.System,
            new Core.Projects.ProjectInput($"t-{Guid.NewGuid():N}", Core.Projects.ProjectKind.Text, [new("yes"), new("no")]),
            TestContext.Current.CancellationToken);
        await using (var db = fixture.CreateContext())
        {
            db.Items.AddRange(Enumerable.Range(0, 12).Select(i => new Core.Items.Item
            {
                ProjectId = projectId,
                ContentHash = $"{projectId}-{i}",
                ExternalId = $"t{i}",
                Text = $"sentence number {i} about {(i % 2 == 0 ? "cats" : "dogs")}",
                CreatedUtc = DateTime.UnixEpoch,
            }));
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }
        await fixture.SetProjectAsync(projectId, retrainEvery: 0, committee: 2);
        List<long> ids;
        await using (var db = fixture.CreateContext())
        {
            ids = await db.Items.Where(i => i.ProjectId == projectId).OrderBy(i => i.Id).Select(i => i.Id).ToListAsync(TestContext.Current.CancellationToken);
        }
        await fixture.LabelAsync(admin, projectId, ids.Take(4), n => n % 2 == 0 ? "yes" : "no");

        var outcome = await fixture.Get<TrainingRunner>().RunAsync(await QueueAsync(projectId), RunAttempt.Only, TestContext.Current.CancellationToken);

        Assert.Equal(RunOutcome.Succeeded, outcome);
        await using var check = fixture.CreateContext();
        var version = await check.ModelVersions.SingleAsync(v => v.ProjectId == projectId && v.IsActive, TestContext.Current.CancellationToken);
        Assert.Equal(8, await check.Predictions.CountAsync(p => p.ModelVersionId == version.Id, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Metrics_hold_the_audit_confusion_the_stop_set_agreement_and_the_strategy_used()
    {
        var (projectId, items, _) = await LabeledProjectAsync(items: 60, labeled: 24);
        // Four of the labeled items were audit picks: they are held out and measured.
        await using (var db = fixture.CreateContext())
        {
            var audit = items.Take(4).ToList();
            await db.Items.Where(i => audit.Contains(i.Id)).ExecuteUpdateAsync(s => s.SetProperty(i => i.IsAudit, true), TestContext.Current.CancellationToken);
        }
        var runner = fixture.Get<TrainingRunner>();
        await runner.RunAsync(await QueueAsync(projectId), RunAttempt.Only, TestContext.Current.CancellationToken);
        await runner.RunAsync(await QueueAsync(projectId), RunAttempt.Only, TestContext.Current.CancellationToken);

        await using var check = fixture.CreateContext();
        var versions = await check.ModelVersions.AsNoTracking().Where(v => v.ProjectId == projectId).OrderBy(v => v.Version)
            .ToListAsync(TestContext.Current.CancellationToken);
        using var first = JsonDocument.Parse(versions[0].MetricsJson);
        using var second = JsonDocument.Parse(versions[1].MetricsJson);
        Assert.Equal(4, first.RootElement.GetProperty("auditItems").GetInt32());
        Assert.Equal(20, first.RootElement.GetProperty("trainItems").GetInt32());
        var confusion = first.RootElement.GetProperty("auditConfusion");
        Assert.Equal(3, confusion.GetArrayLength());
        Assert.Equal(4, confusion.EnumerateArray().SelectMany(r => r.EnumerateArray()).Sum(c => c.GetInt32()));
        Assert.Equal(JsonValueKind.Null, first.RootElement.GetProperty("stopSetAgreement").ValueKind);
        Assert.Equal("margin+diverse", first.RootElement.GetProperty("strategyUsed").GetString());
        // The fake engine predicts the same for the same input: the second version agrees with the first.
        Assert.Equal(1.0, second.RootElement.GetProperty("stopSetAgreement").GetDouble());

        var signal = await fixture.Get<Data.Models.ModelVersionService>().GetStoppingSignalAsync(projectId, TestContext.Current.CancellationToken);
        Assert.Equal(1, signal.StableRounds);
        Assert.False(signal.ShouldStop);
    }

    [Fact]
    public async Task The_cold_start_ranks_by_typical_until_every_class_has_a_few_labels()
    {
        var (projectId, _, _) = await LabeledProjectAsync(items: 30, labeled: 4);
        await fixture.SetProjectAsync(projectId, committee: 1);

        await fixture.Get<TrainingRunner>().RunAsync(await QueueAsync(projectId), RunAttempt.Only, TestContext.Current.CancellationToken);

        await using var db = fixture.CreateContext();
        var version = await db.ModelVersions.AsNoTracking().SingleAsync(v => v.ProjectId == projectId, TestContext.Current.CancellationToken);
        Assert.Equal("typical", version.Strategy);
        using var metrics = JsonDocument.Parse(version.MetricsJson);
        Assert.Equal("typical", metrics.RootElement.GetProperty("strategyUsed").GetString());
        Assert.Equal(JsonValueKind.Null, metrics.RootElement.GetProperty("auditConfusion").ValueKind);
    }
}

/// <summary>The tests above on the default provider (SQLite).</summary>
public sealed class TrainingRunnerTests(JobsFixture fixture) : TrainingRunnerTests<JobsFixture>(fixture);

/// <summary>The tests above on PostgreSQL.</summary>
public sealed class TrainingRunnerTestsOnPostgres(PostgresJobsFixture fixture) : TrainingRunnerTests<PostgresJobsFixture>(fixture);
