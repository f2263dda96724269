using Hangfire;
using LabelLoop.Core.Jobs;
using LabelLoop.Data.Jobs;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Jobs.Tests;

/// <summary>
/// The rules that keep a run from being lost or run twice, whatever Hangfire's storage does: a run whose node went
/// silent is taken over or queued again, a run whose node is alive is never started a second time, and one
/// project runs one job of a kind at a time.
/// </summary>
public sealed class JobRunRecoveryTests(JobsFixture fixture) : IClassFixture<JobsFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private DateTime Now => fixture.Get<TimeProvider>().GetUtcNow().UtcDateTime;

    private async Task AgeAsync(long runId, DateTime? heartbeatUtc, DateTime? createdUtc = null)
    {
        await using var db = fixture.CreateContext();
        var run = await db.JobRuns.SingleAsync(j => j.Id == runId, Cancel);
        run.HeartbeatUtc = heartbeatUtc;
        run.CreatedUtc = createdUtc ?? run.CreatedUtc;
        await db.SaveChangesAsync(Cancel);
    }

    private async Task<JobRun> RowAsync(long runId)
    {
        await using var db = fixture.CreateContext();
        return await db.JobRuns.AsNoTracking().SingleAsync(j => j.Id == runId, Cancel);
    }

    [Fact]
    public async Task Runs_of_a_silent_node_or_without_a_job_are_queued_again_and_live_ones_are_left_alone()
    {
        var (projectId, _) = await fixture.CreateProjectAsync(4, "coat", "shirt");
        var (otherProject, _) = await fixture.CreateProjectAsync(4, "coat", "shirt");
        var runs = fixture.Get<JobRunService>();
        var queue = fixture.Get<JobQueue>();
        var dead = (await runs.RequestTrainingAsync(projectId, null, "before the crash", Cancel)).Run;
        Assert.NotNull(await runs.StartAsync(dead.Id, "dead-node", Cancel));
        await AgeAsync(dead.Id, Now.AddMinutes(-5));
        var alive = (await runs.RequestTrainingAsync(otherProject, null, "running elsewhere", Cancel)).Run;
        Assert.NotNull(await runs.StartAsync(alive.Id, "live-node", Cancel));
        // Queued a while ago, and the process died before Hangfire had the job.
        var lost = (await runs.RequestPretrainingAsync(projectId, null, "before the crash", Cancel)).Run;
        await AgeAsync(lost.Id, null, Now.AddMinutes(-5));
        Assert.False(queue.HasPendingJob(await RowAsync(lost.Id)));

        await fixture.Get<JobRunRecovery>().RecoverAsync(Cancel);

        var recovered = await RowAsync(dead.Id);
        Assert.Equal(JobStatus.Queued, recovered.Status);
        Assert.Contains("dead-node", recovered.Message, StringComparison.Ordinal);
        Assert.True(queue.HasPendingJob(recovered));
        Assert.True(queue.HasPendingJob(await RowAsync(lost.Id)));
        var untouched = await RowAsync(alive.Id);
        Assert.Equal(JobStatus.Running, untouched.Status);
        Assert.Equal("live-node", untouched.Node);
        Assert.Null(untouched.BackgroundJobId);
    }

    [Fact]
    public async Task A_run_alive_on_another_node_is_not_started_twice_and_a_silent_one_is_taken_over()
    {
        var (projectId, _) = await fixture.CreateProjectAsync(4, "coat", "shirt");
        var runs = fixture.Get<JobRunService>();
        var run = (await runs.RequestTrainingAsync(projectId, null, "test", Cancel)).Run;
        Assert.NotNull(await runs.StartAsync(run.Id, "node-a", Cancel));

        // Fetched again while node A still beats: nothing to do here.
        Assert.True(await runs.BeatAsync(run.Id, "node-a", Cancel));
        Assert.Null(await runs.StartAsync(run.Id, "node-b", Cancel));
        Assert.Equal("node-a", (await RowAsync(run.Id)).Node);

        // Node A went silent: node B takes the run over, and node A learns it is no longer its own.
        await AgeAsync(run.Id, Now.AddMinutes(-1));
        var taken = await runs.StartAsync(run.Id, "node-b", Cancel);
        Assert.NotNull(taken);
        Assert.Equal("node-b", taken.Node);
        Assert.Contains("node-a", taken.Message, StringComparison.Ordinal);
        Assert.False(await runs.BeatAsync(run.Id, "node-a", Cancel));
    }

    [Fact]
    public async Task A_project_runs_one_job_of_a_kind_at_a_time_across_nodes()
    {
        var (projectId, _) = await fixture.CreateProjectAsync(4, "coat", "shirt");
        var runs = fixture.Get<JobRunService>();
        var first = (await runs.RequestTrainingAsync(projectId, null, "first", Cancel)).Run;
        Assert.NotNull(await runs.StartAsync(first.Id, "node-a", Cancel));
        var second = (await runs.RequestTrainingAsync(projectId, null, "second", Cancel)).Run;
        Assert.NotEqual(first.Id, second.Id);

        var busy = await Assert.ThrowsAsync<ProjectBusyException>(() => runs.StartAsync(second.Id, "node-b", Cancel));
        Assert.Contains($"job run {second.Id}", busy.Message, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Queued, (await RowAsync(second.Id)).Status);
        // Another kind is not held up.
        var pretrain = (await runs.RequestPretrainingAsync(projectId, null, "beside", Cancel)).Run;
        Assert.NotNull(await runs.StartAsync(pretrain.Id, "node-b", Cancel));

        Assert.True(await runs.SucceedAsync(first.Id, "done", Cancel));
        Assert.NotNull(await runs.StartAsync(second.Id, "node-b", Cancel));
    }

    [Fact]
    public async Task A_hundred_label_events_in_a_second_queue_one_training_with_one_hangfire_job()
    {
        var (projectId, _) = await fixture.CreateProjectAsync(4, "coat", "shirt");
        var queue = fixture.Get<JobQueue>();
        var requests = await Task.WhenAll(Enumerable.Range(0, 100)
            .Select(_ => Task.Run(() => queue.RequestTrainingAsync(projectId, null, "new labels", Cancel), Cancel)));

        Assert.Single(requests.Select(r => r.Id).Distinct());
        await using var db = fixture.CreateContext();
        var rows = await db.JobRuns.AsNoTracking().Where(j => j.ProjectId == projectId).ToListAsync(Cancel);
        var row = Assert.Single(rows);
        Assert.True(queue.HasPendingJob(row));
        var enqueued = fixture.Get<JobStorage>().GetMonitoringApi().EnqueuedJobs(JobQueues.Ml, 0, 1000)
            .Count(j => j.Value.Job.Args[0] is long id && id == row.Id);
        Assert.Equal(1, enqueued);
    }
}
