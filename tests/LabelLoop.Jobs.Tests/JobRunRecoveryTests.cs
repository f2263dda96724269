using LabelLoop.Core.Jobs;
using LabelLoop.Data.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace LabelLoop.Jobs.Tests;

/// <summary>
/// On SQLite Quartz keeps its triggers in memory: a restarted node queues the unfinished JobRuns rows again, a run
/// that was running when the process died included.
/// </summary>
public sealed class JobRunRecoveryTests(JobsFixture fixture) : IClassFixture<JobsFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Runs_left_running_or_queued_by_a_dead_process_are_queued_again()
    {
        var (projectId, _) = await fixture.CreateProjectAsync(4, "coat", "shirt");
        var runs = fixture.Get<JobRunService>();
        var queue = fixture.Get<JobQueue>();
        var running = (await runs.RequestTrainingAsync(projectId, null, "before the crash", Cancel)).Run;
        Assert.NotNull(await runs.StartAsync(running.Id, "dead-node", Cancel));
        var queued = (await runs.RequestPretrainingAsync(projectId, null, "before the crash", Cancel)).Run;
        Assert.False(await queue.HasTriggerAsync(running.Id, Cancel));
        Assert.False(await queue.HasTriggerAsync(queued.Id, Cancel));

        await new JobRunRecovery(runs, queue, NullLogger<JobRunRecovery>.Instance).StartAsync(Cancel);

        await using var db = fixture.CreateContext();
        var rows = await db.JobRuns.AsNoTracking().Where(j => j.Id == running.Id || j.Id == queued.Id).ToDictionaryAsync(j => j.Id, Cancel);
        Assert.Equal(JobStatus.Queued, rows[running.Id].Status);
        Assert.Contains("dead-node", rows[running.Id].Message, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Queued, rows[queued.Id].Status);
        Assert.True(await queue.HasTriggerAsync(running.Id, Cancel));
        Assert.True(await queue.HasTriggerAsync(queued.Id, Cancel));
    }
}
