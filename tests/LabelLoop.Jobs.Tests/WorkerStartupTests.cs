using Xunit;

namespace LabelLoop.Jobs.Tests;

/// <summary>What <c>labelloop worker</c> does when it starts, as a real process on the shared data folder.</summary>
public sealed class WorkerStartupTests(PostgresJobsFixture fixture) : IClassFixture<PostgresJobsFixture>
{
    [Fact]
    public async Task A_starting_worker_sweeps_stale_temporaries_and_keeps_recent_ones()
    {
        // What a kill -9 leaves: an upload buffer, an import's staging folder, a half-written export, all a day old.
        var dayAgo = TimeProvider.System.GetUtcNow().UtcDateTime.AddDays(-1);
        var upload = fixture.DataDir.WriteText("tmp/upload-5e1f0c", "{\"text\":\"x\"}\n");
        var staged = fixture.DataDir.WriteText("tmp/import-7d2a/blob", "bytes");
        var export = fixture.DataDir.WriteText("exports/tmp/run-9-1a2b.partial", "{\"id\":1}\n");
        foreach (var path in new[] { upload, staged, export })
        {
            File.SetLastWriteTimeUtc(path, dayAgo);
        }
        Directory.SetLastWriteTimeUtc(Path.GetDirectoryName(staged)!, dayAgo);
        // Another node's import, just started.
        var running = fixture.DataDir.WriteText("tmp/upload-0b3c9d", "{\"text\":\"y\"}\n");

        using var worker = WorkerProcess.Start(fixture.Database.ConnectionString, fixture.DataDir.Path,
            new Dictionary<string, string> { ["Jobs__TorchThreads"] = "1", ["Logging__LogLevel__Default"] = "Information" });
        await Wait.UntilAsync(() => Task.FromResult(worker.Output.Contains("is running jobs", StringComparison.Ordinal) || worker.HasExited), 120, "worker start");

        Assert.False(worker.HasExited, worker.Output);
        Assert.False(File.Exists(upload), worker.Output);
        Assert.False(Directory.Exists(Path.GetDirectoryName(staged)));
        Assert.False(File.Exists(export));
        Assert.True(File.Exists(running));
        Assert.Contains("Removed 3 stale temporary", worker.Output, StringComparison.Ordinal);
    }
}
