using System.Text;
using System.Text.Json;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Jobs;
using LabelLoop.Data.Projects;
using LabelLoop.Jobs.Import;
using LabelLoop.Jobs.Training;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Jobs.Tests.Import;

public sealed class ImportRunnerTests(JobsFixture fixture) : IClassFixture<JobsFixture>
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<(int ProjectId, long RunId, string File)> QueueAsync(string fileName, string content)
    {
        var projectId = await fixture.Get<ProjectService>().CreateAsync(Caller.System,
            new ProjectInput($"import-{Guid.NewGuid():N}", ProjectKind.Text, [new LabelSpec("yes"), new LabelSpec("no")]), Cancel);
        var folder = Guid.NewGuid().ToString("N");
        var file = Path.Combine(fixture.DataDir.Path, "uploads", folder, "upload.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, content, Encoding.UTF8, Cancel);
        var parameters = JsonSerializer.Serialize(new ImportParameters(projectId, $"{folder}/upload.jsonl", fileName, true), Web);
        var run = await fixture.Get<JobRunService>().QueueImportAsync(projectId, null, parameters, fileName, Cancel);
        return (projectId, run.Id, file);
    }

    private async Task<JobRun> RowAsync(long id)
    {
        await using var db = fixture.CreateContext();
        return await db.JobRuns.AsNoTracking().SingleAsync(j => j.Id == id, Cancel);
    }

    [Fact]
    public async Task A_good_file_is_imported_and_its_upload_removed()
    {
        var (projectId, runId, file) = await QueueAsync("notes.jsonl", "{\"id\":\"a\",\"text\":\"first\",\"label\":\"yes\"}\n{\"id\":\"b\",\"text\":\"second\"}\n");

        var outcome = await fixture.Get<ImportRunner>().RunAsync(runId, RunAttempt.Only, Cancel);

        Assert.Equal(RunOutcome.Succeeded, outcome);
        var row = await RowAsync(runId);
        Assert.Equal(JobStatus.Succeeded, row.Status);
        Assert.StartsWith("Imported 2 item(s) from notes.jsonl", row.Message, StringComparison.Ordinal);
        await using var db = fixture.CreateContext();
        Assert.Equal(2, await db.Items.CountAsync(i => i.ProjectId == projectId, Cancel));
        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task A_file_with_a_malformed_line_imports_nothing_and_the_run_names_the_problem()
    {
        var (projectId, runId, file) = await QueueAsync("bad.jsonl", "{\"id\":\"a\",\"text\":\"fine\"}\n{\"id\": \"b\", \"text\": \n");

        var outcome = await fixture.Get<ImportRunner>().RunAsync(runId, RunAttempt.Only, Cancel);

        Assert.Equal(RunOutcome.Failed, outcome);
        var row = await RowAsync(runId);
        Assert.Equal(JobStatus.Failed, row.Status);
        Assert.StartsWith("Nothing was imported: 1 problem(s) in bad.jsonl: bad.jsonl", row.Error, StringComparison.Ordinal);
        Assert.Contains("bad.jsonl:2", row.Error, StringComparison.Ordinal);
        await using var db = fixture.CreateContext();
        Assert.Equal(0, await db.Items.CountAsync(i => i.ProjectId == projectId, Cancel));
        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task A_run_naming_a_file_outside_the_uploads_folder_fails_without_touching_it()
    {
        var projectId = await fixture.Get<ProjectService>().CreateAsync(Caller.System,
            new ProjectInput($"escape-{Guid.NewGuid():N}", ProjectKind.Text, [new LabelSpec("yes")]), Cancel);
        var outside = Path.Combine(fixture.DataDir.Path, "keep.jsonl");
        await File.WriteAllTextAsync(outside, "{\"text\":\"x\"}\n", Cancel);
        var parameters = JsonSerializer.Serialize(new ImportParameters(projectId, "../keep.jsonl", "keep.jsonl", true), Web);
        var run = await fixture.Get<JobRunService>().QueueImportAsync(projectId, null, parameters, "keep.jsonl", Cancel);

        var outcome = await fixture.Get<ImportRunner>().RunAsync(run.Id, RunAttempt.Only, Cancel);

        Assert.Equal(RunOutcome.Failed, outcome);
        Assert.Contains("outside the uploads folder", (await RowAsync(run.Id)).Error, StringComparison.Ordinal);
        Assert.True(File.Exists(outside));
    }

    [Fact]
    public async Task An_import_past_the_label_limit_fails_the_run_with_the_limit_and_the_count()
    {
        var lines = string.Concat(Enumerable.Range(0, 250).Select(i => $"{{\"text\":\"text {i}\",\"label\":\"topic-{i}\"}}\n"));
        var (projectId, runId, _) = await QueueAsync("topics.jsonl", lines);

        var outcome = await fixture.Get<ImportRunner>().RunAsync(runId, RunAttempt.Only, Cancel);

        Assert.Equal(RunOutcome.Failed, outcome);
        var row = await RowAsync(runId);
        Assert.Contains("250 new label(s); with the project's 2 that makes 252, over the limit of 200 labels per project", row.Error, StringComparison.Ordinal);
        await using var db = fixture.CreateContext();
        Assert.Equal(0, await db.Items.CountAsync(i => i.ProjectId == projectId, Cancel));
        Assert.Equal(2, await db.LabelClasses.CountAsync(l => l.ProjectId == projectId, Cancel));
    }

    [Fact]
    public async Task The_run_summary_counts_skipped_duplicate_lines()
    {
        var (_, runId, _) = await QueueAsync("same.jsonl", string.Concat(Enumerable.Repeat("{\"text\":\"same\"}\n", 1000)) + "{\"text\":\"other\"}\n");

        Assert.Equal(RunOutcome.Succeeded, await fixture.Get<ImportRunner>().RunAsync(runId, RunAttempt.Only, Cancel));

        Assert.Equal("Imported 2 item(s) from same.jsonl; 0 already present; 999 duplicate(s) skipped", (await RowAsync(runId)).Message);
    }
}
