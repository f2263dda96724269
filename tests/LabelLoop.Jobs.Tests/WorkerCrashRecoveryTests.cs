using LabelLoop.Core.Jobs;
using LabelLoop.Data.Jobs;
using LabelLoop.Jobs.Training;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Jobs.Tests;

/// <summary>
/// kill -9 of a worker in the middle of a training: another worker recovers the job and completes it, no label
/// is lost, and the project serves the previous ranking meanwhile. Real processes, real engine, real Hangfire on PostgreSQL.
/// </summary>
public sealed class WorkerCrashRecoveryTests(PostgresJobsFixture fixture) : IClassFixture<PostgresJobsFixture>
{
    private static readonly string[] Labels = ["coat", "shirt", "bag"];

    private static Dictionary<string, string> WorkerEnvironment => new()
    {
        // Slow epochs so the kill lands mid-training; a short invisibility and heartbeat timeout so the dead node's job is
        // fetched again and taken over in seconds (the defaults: a minute and 30 seconds).
        ["Jobs__EpochDelayMilliseconds"] = "500",
        ["Jobs__MaxEpochs"] = "20",
        ["Jobs__InvisibilityTimeoutSeconds"] = "8",
        ["Jobs__RunHeartbeatTimeoutSeconds"] = "5",
        ["Jobs__QueuePollMilliseconds"] = "200",
        ["Jobs__TorchThreads"] = "1",
        ["Logging__LogLevel__Default"] = "Information",
    };

    private async Task<JobRun> RowAsync(long id)
    {
        await using var db = fixture.CreateContext();
        return await db.JobRuns.AsNoTracking().SingleAsync(j => j.Id == id, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_training_killed_mid_run_is_recovered_by_another_worker_and_completes()
    {
        var ct = TestContext.Current.CancellationToken;
        var admin = await fixture.CreateAdminAsync();
        var (projectId, ids) = await fixture.CreateProjectAsync(30, Labels);
        await fixture.SetProjectAsync(projectId, retrainEvery: 0, committee: 1);
        await fixture.LabelAsync(admin, projectId, ids.Take(12), n => Labels[n % 3]);

        // The previous ranking: version 1, published here with the fake engine.
        var first = await fixture.Get<JobRunService>().RequestTrainingAsync(projectId, null, "first", ct);
        Assert.Equal(RunOutcome.Succeeded, await fixture.Get<TrainingRunner>().RunAsync(first.Run.Id, RunAttempt.Only, ct));

        var run = await fixture.Get<JobQueue>().RequestTrainingAsync(projectId, admin.UserId, "crash test", ct);
        using var workerA = WorkerProcess.Start(fixture.Database.ConnectionString, fixture.DataDir.Path, WorkerEnvironment);
        try
        {
            await Wait.UntilAsync(async () =>
            {
                var row = await RowAsync(run.Id);
                return row.Status == JobStatus.Running && row.Message.StartsWith("Training member", StringComparison.Ordinal);
            }, 60, "worker A training");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} Row: {(await RowAsync(run.Id)).Message}. Worker A said:\n{workerA.Output}", ex);
        }
        Assert.EndsWith($"/{workerA.Id}", (await RowAsync(run.Id)).Node);

        workerA.KillHard();

        // The dead worker's run is still "Running"; annotators keep the previous ranking and keep labeling.
        var row = await RowAsync(run.Id);
        Assert.Equal(JobStatus.Running, row.Status);
        await using (var db = fixture.CreateContext())
        {
            var active = await db.ModelVersions.AsNoTracking().SingleAsync(v => v.ProjectId == projectId && v.IsActive, ct);
            Assert.Equal(1, active.Version);
        }
        await fixture.LabelAsync(admin, projectId, ids.Skip(12).Take(2), n => Labels[n % 3]);

        using var workerB = WorkerProcess.Start(fixture.Database.ConnectionString, fixture.DataDir.Path, WorkerEnvironment);
        try
        {
            await Wait.UntilAsync(async () => (await RowAsync(run.Id)).Status is JobStatus.Succeeded or JobStatus.Failed, 120, "recovered run");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} Row: {(await RowAsync(run.Id)).Message}. Worker B said:\n{workerB.Output}", ex);
        }
        var finished = await RowAsync(run.Id);
        Assert.True(finished.Status == JobStatus.Succeeded, $"{finished.Status}: {finished.Error}\nWorker B said:\n{workerB.Output}");
        Assert.EndsWith($"/{workerB.Id}", finished.Node);

        await using (var db = fixture.CreateContext())
        {
            var versions = await db.ModelVersions.AsNoTracking().Where(v => v.ProjectId == projectId).OrderBy(v => v.Version).ToListAsync(ct);
            Assert.Equal([1, 2], versions.Select(v => v.Version));
            Assert.Equal([false, true], versions.Select(v => v.IsActive));
            Assert.Equal(14, versions[1].LabelCount);
            Assert.Equal(14, await db.Annotations.CountAsync(a => a.ProjectId == projectId, ct));
            Assert.Equal(16, await db.Predictions.CountAsync(p => p.ModelVersionId == versions[1].Id, ct));
        }
    }
}
