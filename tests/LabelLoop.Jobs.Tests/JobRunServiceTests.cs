using LabelLoop.Core.Jobs;
using LabelLoop.Data.Jobs;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Jobs.Tests;

public sealed class JobRunServiceTests(JobsFixture fixture) : IClassFixture<JobsFixture>
{
    [Fact]
    public async Task Many_concurrent_requests_queue_one_chain_per_project()
    {
        var (projectId, _) = await fixture.CreateProjectAsync(3, "a", "b");
        var runs = fixture.Get<JobRunService>();

        var requests = await Task.WhenAll(Enumerable.Range(0, 20)
            .Select(_ => runs.RequestTrainingAsync(projectId, null, "labels", TestContext.Current.CancellationToken)));

        Assert.Single(requests, r => r.Created);
        Assert.Single(requests.Select(r => r.Run.Id).Distinct());
        await using var db = fixture.CreateContext();
        Assert.Equal(1, await db.JobRuns.CountAsync(j => j.ProjectId == projectId, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Messages_and_errors_quoting_a_nul_are_stored_with_it_written_out()
    {
        var (projectId, _) = await fixture.CreateProjectAsync(3, "a", "b");
        var runs = fixture.Get<JobRunService>();
        var request = await runs.RequestTrainingAsync(projectId, null, "labels", TestContext.Current.CancellationToken);
        await runs.StartAsync(request.Run.Id, "node-a", TestContext.Current.CancellationToken);

        Assert.True(await runs.ReportProgressAsync(request.Run.Id, "node-a", 10, "reading a\0b.jsonl", TestContext.Current.CancellationToken));
        Assert.True(await runs.FailAsync(request.Run.Id, "cannot read 'a\0b.jsonl'", TestContext.Current.CancellationToken));

        var run = await runs.FindAsync(request.Run.Id, TestContext.Current.CancellationToken);
        Assert.Equal((JobStatus.Failed, "cannot read 'a\\u0000b.jsonl'"), (run!.Status, run.Error));
    }

    [Fact]
    public async Task A_running_chain_allows_one_more_queued_beside_it()
    {
        var (projectId, _) = await fixture.CreateProjectAsync(3, "a", "b");
        var runs = fixture.Get<JobRunService>();
        var first = await runs.RequestTrainingAsync(projectId, null, "labels", TestContext.Current.CancellationToken);
        await runs.StartAsync(first.Run.Id, "node-a", TestContext.Current.CancellationToken);

        var second = await runs.RequestTrainingAsync(projectId, null, "labels", TestContext.Current.CancellationToken);
        var third = await runs.RequestTrainingAsync(projectId, null, "labels", TestContext.Current.CancellationToken);

        Assert.True(second.Created);
        Assert.False(third.Created);
        Assert.Equal(second.Run.Id, third.Run.Id);
        await using var db = fixture.CreateContext();
        var statuses = await db.JobRuns.Where(j => j.ProjectId == projectId).OrderBy(j => j.Id).Select(j => j.Status)
            .ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal([JobStatus.Running, JobStatus.Queued], statuses);
    }

    [Fact]
    public async Task A_recovered_run_is_taken_over_by_the_new_node()
    {
        var (projectId, _) = await fixture.CreateProjectAsync(3, "a", "b");
        var runs = fixture.Get<JobRunService>();
        var request = await runs.RequestTrainingAsync(projectId, null, "labels", TestContext.Current.CancellationToken);
        await runs.StartAsync(request.Run.Id, "node-a", TestContext.Current.CancellationToken);
        await Task.Delay(50, TestContext.Current.CancellationToken);

        // Node A has been silent for longer than the heartbeat timeout (here: any time at all).
        var taken = await runs.StartAsync(request.Run.Id, "node-b", TimeSpan.Zero, TestContext.Current.CancellationToken);

        Assert.NotNull(taken);
        Assert.Equal("node-b", taken.Node);
        Assert.Contains("node-a", taken.Message);
        // The old node, if it was only slow, learns it lost the run and stops.
        Assert.False(await runs.ReportProgressAsync(request.Run.Id, "node-a", 50, "epoch 3", TestContext.Current.CancellationToken));
        Assert.False(await runs.IsRunningOnAsync(request.Run.Id, "node-a", TestContext.Current.CancellationToken));
        Assert.True(await runs.IsRunningOnAsync(request.Run.Id, "node-b", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Progress_is_refused_once_a_run_is_cancelled()
    {
        var admin = await fixture.CreateAdminAsync();
        var (projectId, _) = await fixture.CreateProjectAsync(3, "a", "b");
        var runs = fixture.Get<JobRunService>();
        var request = await runs.RequestTrainingAsync(projectId, null, "labels", TestContext.Current.CancellationToken);
        await runs.StartAsync(request.Run.Id, "node-a", TestContext.Current.CancellationToken);
        Assert.True(await runs.ReportProgressAsync(request.Run.Id, "node-a", 40, "epoch 2", TestContext.Current.CancellationToken));

        await runs.CancelAsync(admin, request.Run.Id, TestContext.Current.CancellationToken);

        Assert.False(await runs.ReportProgressAsync(request.Run.Id, "node-a", 50, "epoch 3", TestContext.Current.CancellationToken));
        Assert.True(await runs.IsCancelledAsync(request.Run.Id, TestContext.Current.CancellationToken));
        Assert.False(await runs.SucceedAsync(request.Run.Id, "done", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Only_admins_cancel()
    {
        var (projectId, _) = await fixture.CreateProjectAsync(3, "a", "b");
        var runs = fixture.Get<JobRunService>();
        var request = await runs.RequestTrainingAsync(projectId, null, "labels", TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<Core.AccessDeniedException>(() =>
            runs.CancelAsync(new Core.Accounts.Caller("someone", IsAdmin: false), request.Run.Id, TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(20, 0, 20, 0, 0, true)]
    [InlineData(19, 0, 20, 0, 0, false)]
    [InlineData(45, 25, 20, 0, 0, true)]
    [InlineData(30, 25, 20, 0, 0, false)]
    [InlineData(30, 25, 0, 20, 0, true)]
    [InlineData(29, 25, 0, 20, 0, false)]
    [InlineData(26, 25, 0, 0, 60, true)]
    [InlineData(25, 25, 1, 1, 1, false)]
    public void The_loop_rule_fires_on_count_growth_or_schedule(int labeled, int atLast, int every, int growth, int interval, bool due)
    {
        var now = new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);
        Assert.Equal(due, JobRunService.IsDue(labeled, atLast, every, growth, interval, now.AddHours(-2), now));
    }
}
