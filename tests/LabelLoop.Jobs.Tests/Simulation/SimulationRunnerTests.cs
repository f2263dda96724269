using LabelLoop.Core.Jobs;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Projects;
using LabelLoop.Jobs.Simulation;
using LabelLoop.Jobs.Training;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Jobs.Tests.Simulation;

public sealed class SimulationRunnerTests(JobsFixture fixture) : IClassFixture<JobsFixture>
{
    /// <summary>An image project of <paramref name="items"/> items whose ground truth alternates between a and b.</summary>
    private async Task<int> ProjectWithGroundTruthAsync(int items)
    {
        var (projectId, ids) = await fixture.CreateProjectAsync(items, "a", "b");
        await using var db = fixture.CreateContext();
        foreach (var (id, n) in ids.Select((id, n) => (id, n)))
        {
            await db.Items.Where(i => i.Id == id).ExecuteUpdateAsync(s => s.SetProperty(i => i.GroundTruth, n % 2 == 0 ? "a" : "b"), TestContext.Current.CancellationToken);
        }
        return projectId;
    }

    [Fact]
    public async Task A_simulate_run_writes_the_three_files_for_a_projects_items_with_ground_truth()
    {
        var admin = await fixture.CreateAdminAsync();
        var projectId = await ProjectWithGroundTruthAsync(40);
        var run = await fixture.Get<JobQueue>().RequestSimulationAsync(admin, projectId,
            new SimulationParameters { Strategies = ["random", "margin+diverse"], Initial = 4, Step = 4, Budget = 12, Seeds = 1 },
            TestContext.Current.CancellationToken);
        Assert.Equal(JobKind.Simulate, run.Kind);

        var runner = fixture.Get<SimulationRunner>();
        var outcome = await runner.RunAsync(run.Id, TestContext.Current.CancellationToken);

        Assert.Equal(RunOutcome.Succeeded, outcome);
        var dir = runner.OutputDirectory(run.Id);
        Assert.Equal(Path.Combine(fixture.DataDir.Path, "simulations", $"run-{run.Id}"), dir);
        var csv = await File.ReadAllLinesAsync(Path.Combine(dir, "curves.csv"), TestContext.Current.CancellationToken);
        Assert.Equal("strategy,seed,labels,accuracy", csv[0]);
        Assert.Equal(1 + (2 * 3), csv.Length);
        Assert.True(File.Exists(Path.Combine(dir, "summary.json")));
        Assert.True(File.Exists(Path.Combine(dir, "curves.svg")));
        await using var check = fixture.CreateContext();
        Assert.Equal(JobStatus.Succeeded, (await check.JobRuns.SingleAsync(j => j.Id == run.Id, TestContext.Current.CancellationToken)).Status);
    }

    [Fact]
    public async Task A_simulate_run_with_pretraining_compares_the_projects_encoder_mode_with_scratch()
    {
        var admin = await fixture.CreateAdminAsync();
        var projectId = await ProjectWithGroundTruthAsync(40);
        await using (var db = fixture.CreateContext())
        {
            await db.Projects.Where(p => p.Id == projectId).ExecuteUpdateAsync(s => s.SetProperty(p => p.FineTuneMode, FineTuneMode.Freeze), TestContext.Current.CancellationToken);
        }
        var run = await fixture.Get<JobQueue>().RequestSimulationAsync(admin, projectId,
            new SimulationParameters { Strategies = ["random"], Initial = 4, Step = 4, Budget = 8, Seeds = 1, Pretrain = true },
            TestContext.Current.CancellationToken);

        var runner = fixture.Get<SimulationRunner>();
        Assert.Equal(RunOutcome.Succeeded, await runner.RunAsync(run.Id, TestContext.Current.CancellationToken));

        var csv = await File.ReadAllLinesAsync(Path.Combine(runner.OutputDirectory(run.Id), "curves.csv"), TestContext.Current.CancellationToken);
        Assert.Equal(["random", "random@frozen"], csv.Skip(1).Select(line => line.Split(',')[0]).Distinct());
        Assert.Equal(1 + (2 * 2), csv.Length);
    }

    [Fact]
    public async Task A_project_without_ground_truth_fails_the_run_with_a_readable_error()
    {
        var admin = await fixture.CreateAdminAsync();
        var (projectId, _) = await fixture.CreateProjectAsync(5, "a", "b");
        var run = await fixture.Get<JobQueue>().RequestSimulationAsync(admin, projectId, new SimulationParameters(), TestContext.Current.CancellationToken);

        Assert.Equal(RunOutcome.Failed, await fixture.Get<SimulationRunner>().RunAsync(run.Id, TestContext.Current.CancellationToken));
        await using var db = fixture.CreateContext();
        Assert.Contains("ground truth", (await db.JobRuns.SingleAsync(j => j.Id == run.Id, TestContext.Current.CancellationToken)).Error);
        await Assert.ThrowsAsync<Core.AccessDeniedException>(() => fixture.Get<JobQueue>().RequestSimulationAsync(
            new Caller("someone", IsAdmin: false), projectId, new SimulationParameters(), TestContext.Current.CancellationToken));
    }
}
