using LabelLoop.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace LabelLoop.Data.Tests.Storage;

public sealed class TempFileSweeperTests(LabelLoopDataFixture fixture) : IClassFixture<LabelLoopDataFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static DateTime Now => TimeProvider.System.GetUtcNow().UtcDateTime;

    /// <summary>Writes a file under the data folder and dates it <paramref name="age"/> ago.</summary>
    private string Stale(string relativePath, TimeSpan age)
    {
        var path = fixture.DataDir.WriteText(relativePath, "left behind");
        File.SetLastWriteTimeUtc(path, Now - age);
        return path;
    }

    [Fact]
    public async Task Start_up_removes_temporaries_a_killed_import_or_export_left_and_keeps_recent_ones()
    {
        var oldUpload = Stale("tmp/upload-0123456789abcdef", TimeSpan.FromDays(2));
        var oldStaging = Stale("tmp/import-aaaa/0f0f", TimeSpan.FromHours(7));
        Directory.SetLastWriteTimeUtc(Path.GetDirectoryName(oldStaging)!, Now - TimeSpan.FromHours(7));
        var oldExport = Stale("exports/tmp/run-5-abc.partial", TimeSpan.FromHours(30));
        // Another node's import may be running: an hour-old upload and a staging folder still being written stay.
        var recentUpload = Stale("tmp/upload-fedcba9876543210", TimeSpan.FromHours(1));
        var activeStaging = Stale("tmp/import-bbbb/old-blob", TimeSpan.FromHours(8));
        fixture.DataDir.WriteText("tmp/import-bbbb/new-blob", "just written");
        var finished = Stale("exports/project-1/export-3.jsonl", TimeSpan.FromDays(3));
        var upload = Stale("uploads/0123/upload.zip", TimeSpan.FromDays(3));

        var sweeper = fixture.Services.GetServices<IHostedService>().OfType<TempFileSweeper>().Single();
        await sweeper.StartAsync(Cancel);

        Assert.False(File.Exists(oldUpload));
        Assert.False(Directory.Exists(Path.GetDirectoryName(oldStaging)));
        Assert.False(File.Exists(oldExport));
        Assert.True(File.Exists(recentUpload));
        Assert.True(File.Exists(activeStaging));
        Assert.True(File.Exists(finished), "finished exports are not temporaries");
        Assert.True(File.Exists(upload), "uploads waiting for their import job are not temporaries");
        Assert.Equal(0, sweeper.Sweep());
    }

    [Fact]
    public void A_data_folder_without_temporary_folders_is_fine()
    {
        using var empty = new TempDirectory();
        var sweeper = new TempFileSweeper(
            Microsoft.Extensions.Options.Options.Create(new LabelLoopStorageOptions { DataDir = empty.Path }),
            TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<TempFileSweeper>.Instance);

        Assert.Equal(0, sweeper.Sweep());
    }
}
