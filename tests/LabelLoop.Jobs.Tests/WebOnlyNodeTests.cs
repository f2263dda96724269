using LabelLoop.Core.Jobs;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Jobs.Tests;

/// <summary>A started host with jobs off, as <c>serve --no-jobs</c> runs: it runs no job but still enqueues what its own commits call for.</summary>
public sealed class WebOnlyJobsFixture : JobsFixture
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Jobs:Enabled"] = "false",
        ["Jobs:LoopCheckMilliseconds"] = "100",
    };

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await StartAsync();
    }
}

public sealed class WebOnlyNodeTests(WebOnlyJobsFixture fixture) : IClassFixture<WebOnlyJobsFixture>
{
    [Fact]
    public async Task A_label_past_the_threshold_on_a_web_only_node_queues_a_training_for_the_workers()
    {
        var admin = await fixture.CreateAdminAsync();
        var (projectId, ids) = await fixture.CreateProjectAsync(10, "coat", "bag");
        await fixture.SetProjectAsync(projectId, retrainEvery: 3, committee: 1);

        await fixture.LabelAsync(admin, projectId, ids.Take(3), n => n % 2 == 0 ? "coat" : "bag");

        // No poll and no Hangfire server here: the third label's commit woke the check, which queued the run and
        // its Hangfire job for whichever node serves the ml queue.
        JobRun? run = null;
        await Wait.UntilAsync(async () =>
        {
            await using var db = fixture.CreateContext();
            run = await db.JobRuns.AsNoTracking().SingleOrDefaultAsync(
                r => r.ProjectId == projectId && r.Kind == JobKind.Train, TestContext.Current.CancellationToken);
            return run is { BackgroundJobId: not null };
        }, 20, "a queued training");
        Assert.Equal(JobStatus.Queued, run!.Status);
        Assert.True(fixture.Get<JobQueue>().HasPendingJob(run));
    }
}
