using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Webhooks;
using LabelLoop.Data.Blobs;
using LabelLoop.Data.Export;
using LabelLoop.Data.Jobs;
using LabelLoop.Data.Webhooks;
using LabelLoop.Jobs.Export;
using LabelLoop.Jobs.Training;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Jobs.Tests.Export;

/// <summary>The export job's runner, run directly as the scheduler would: file, row, checksum, webhook, cancel, failure.</summary>
public sealed class ExportRunnerTests(JobsFixture fixture) : IClassFixture<JobsFixture>
{
    private static readonly string[] Labels = ["coat", "bag"];

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<(int ProjectId, List<long> Items, Caller Admin)> ProjectAsync(int items = 6, int labeled = 4)
    {
        var admin = await fixture.CreateAdminAsync();
        var (projectId, ids) = await fixture.CreateProjectAsync(items, Labels);
        await fixture.SetProjectAsync(projectId, retrainEvery: 0);
        await fixture.LabelAsync(admin, projectId, ids.Take(labeled), n => Labels[n % Labels.Length]);
        return (projectId, ids, admin);
    }

    private async Task<JobRun> RowAsync(long id)
    {
        await using var db = fixture.CreateContext();
        return await db.JobRuns.AsNoTracking().SingleAsync(j => j.Id == id, Cancel);
    }

    [Fact]
    public async Task A_queued_export_runs_writes_its_file_and_records_size_checksum_and_count()
    {
        var (projectId, items, admin) = await ProjectAsync();
        await fixture.Get<WebhookService>().CreateAsync(admin, projectId, "http://127.0.0.1:9/never", [WebhookEvents.ExportCompleted], Cancel);
        var exports = fixture.Get<ExportRunService>();
        var created = await exports.CreateAsync(admin, projectId, "jsonl", new ExportFilter(LabeledOnly: true), Cancel);
        Assert.Equal("queued", created.View.Status);
        using (var parameters = JsonDocument.Parse(created.Run.ParametersJson))
        {
            Assert.Equal(created.View.Id, parameters.RootElement.GetProperty("exportId").GetInt64());
        }

        var outcome = await fixture.Get<ExportRunner>().RunAsync(created.Run.Id, RunAttempt.Only, Cancel);

        Assert.Equal(RunOutcome.Succeeded, outcome);
        var row = await RowAsync(created.Run.Id);
        Assert.Equal(JobStatus.Succeeded, row.Status);
        Assert.Equal(JobKind.Export, row.Kind);
        Assert.Equal(100, row.Progress);
        Assert.Equal(TrainingRunner.NodeName, row.Node);
        var view = await exports.GetAsync(admin, projectId, created.View.Id, Cancel);
        Assert.Equal("succeeded", view.Status);
        Assert.Equal(4, view.ItemCount);
        var (_, file) = await exports.GetFileAsync(admin, projectId, created.View.Id, Cancel);
        Assert.NotNull(file);
        var bytes = await File.ReadAllBytesAsync(file.Path, Cancel);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), view.Sha256);
        Assert.Equal(bytes.Length, view.SizeBytes);
        Assert.Equal(file.Sha256, view.Sha256);
        Assert.StartsWith(Path.Combine(fixture.DataDir.Path, "exports"), file.Path, StringComparison.Ordinal);
        var lines = System.Text.Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(items.Take(4), lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetInt64()));
        // Nothing is left behind but the finished file.
        Assert.Empty(Directory.GetFiles(Path.Combine(fixture.DataDir.Path, "exports", "tmp")));

        await using var db = fixture.CreateContext();
        var delivery = await db.WebhookDeliveries.AsNoTracking().SingleAsync(d => d.ProjectId == projectId, Cancel);
        Assert.Equal(WebhookEvents.ExportCompleted, delivery.Event);
        using var payload = JsonDocument.Parse(delivery.PayloadJson);
        Assert.Equal(view.Sha256, payload.RootElement.GetProperty("data").GetProperty("sha256").GetString());
        Assert.Equal(view.FileUrl, payload.RootElement.GetProperty("data").GetProperty("fileUrl").GetString());
    }

    [Fact]
    public async Task A_zip_export_of_an_image_project_holds_each_labeled_image_once()
    {
        var (projectId, items, admin) = await ProjectAsync();
        var exports = fixture.Get<ExportRunService>();
        var created = await exports.CreateAsync(admin, projectId, "zip", new ExportFilter(), Cancel);

        Assert.Equal(RunOutcome.Succeeded, await fixture.Get<ExportRunner>().RunAsync(created.Run.Id, RunAttempt.Only, Cancel));

        var (_, file) = await exports.GetFileAsync(admin, projectId, created.View.Id, Cancel);
        using var zip = ZipFile.OpenRead(file!.Path);
        Assert.Equal(
            new[] { $"coat/{items[0]}_img-0.png", $"bag/{items[1]}_img-1.png", $"coat/{items[2]}_img-2.png", $"bag/{items[3]}_img-3.png" }.Order(StringComparer.Ordinal),
            zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_cancelled_export_does_not_run_and_a_deleted_one_leaves_no_file()
    {
        var (projectId, _, admin) = await ProjectAsync();
        var exports = fixture.Get<ExportRunService>();
        var cancelled = await exports.CreateAsync(admin, projectId, "csv", new ExportFilter(), Cancel);
        await fixture.Get<JobRunService>().CancelAsync(admin, cancelled.Run.Id, Cancel);
        var deleted = await exports.CreateAsync(admin, projectId, "csv", new ExportFilter(), Cancel);
        await fixture.Get<ExportQueue>().DeleteAsync(admin, projectId, deleted.View.Id, Cancel);

        Assert.Equal(RunOutcome.Skipped, await fixture.Get<ExportRunner>().RunAsync(cancelled.Run.Id, RunAttempt.Only, Cancel));
        Assert.Equal(RunOutcome.Skipped, await fixture.Get<ExportRunner>().RunAsync(deleted.Run.Id, RunAttempt.Only, Cancel));

        Assert.Equal("cancelled", (await exports.GetAsync(admin, projectId, cancelled.View.Id, Cancel)).Status);
        await Assert.ThrowsAsync<Core.NotFoundException>(() => exports.GetAsync(admin, projectId, deleted.View.Id, Cancel));
        Assert.False(Directory.Exists(Path.Combine(fixture.DataDir.Path, "exports", $"project-{projectId}")));
    }

    [Fact]
    public async Task A_succeeded_export_deleted_later_loses_its_file()
    {
        var (projectId, _, admin) = await ProjectAsync();
        var exports = fixture.Get<ExportRunService>();
        var created = await exports.CreateAsync(admin, projectId, "jsonl", new ExportFilter(), Cancel);
        await fixture.Get<ExportRunner>().RunAsync(created.Run.Id, RunAttempt.Only, Cancel);
        var (_, file) = await exports.GetFileAsync(admin, projectId, created.View.Id, Cancel);
        Assert.True(File.Exists(file!.Path));

        await fixture.Get<ExportQueue>().DeleteAsync(admin, projectId, created.View.Id, Cancel);

        Assert.False(File.Exists(file.Path));
        Assert.Equal(JobStatus.Succeeded, (await RowAsync(created.Run.Id)).Status);
    }

    [Fact]
    public async Task A_missing_image_fails_the_run_with_its_message_and_serves_no_file()
    {
        var (projectId, _, admin) = await ProjectAsync();
        await using (var db = fixture.CreateContext())
        {
            var hash = await db.Items.Where(i => i.ProjectId == projectId && i.FinalLabel != null).OrderBy(i => i.Id).Select(i => i.BlobHash!).FirstAsync(Cancel);
            File.Delete(fixture.Get<BlobStore>().PathOf(hash));
        }
        var exports = fixture.Get<ExportRunService>();
        var created = await exports.CreateAsync(admin, projectId, "zip", new ExportFilter(), Cancel);

        var outcome = await fixture.Get<ExportRunner>().RunAsync(created.Run.Id, RunAttempt.Only, Cancel);

        Assert.Equal(RunOutcome.Failed, outcome);
        var view = await exports.GetAsync(admin, projectId, created.View.Id, Cancel);
        Assert.Equal("failed", view.Status);
        Assert.Contains("Could not find file", view.Error, StringComparison.Ordinal);
        Assert.Null(view.FileUrl);
        Assert.Null((await exports.GetFileAsync(admin, projectId, created.View.Id, Cancel)).File);
        Assert.False(File.Exists(exports.PathOf(ExportRunService.FileNameFor(new Core.Export.ExportRun
        {
            Id = created.View.Id,
            ProjectId = projectId,
            Format = "zip",
        }))));
    }
}
