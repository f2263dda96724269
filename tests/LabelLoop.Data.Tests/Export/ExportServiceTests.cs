using System.Globalization;
using System.Text;
using System.Text.Json;
using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Annotations;
using LabelLoop.Core.Export;
using LabelLoop.Core.Import;
using LabelLoop.Core.Items;
using LabelLoop.Core.Models;
using LabelLoop.Core.Predictions;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Export;
using LabelLoop.Data.Import;
using LabelLoop.Data.Projects;
using LabelLoop.Testing;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Data.Tests.Export;

public abstract class ExportServiceTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : LabelLoopDataFixture
{
    private static readonly DateTime Monday = new(2025, 6, 2, 9, 30, 0, DateTimeKind.Utc);

    private readonly ExportService _exports = fixture.Get<ExportService>();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>
    /// A text project with three items: the first labeled by one annotator and skipped by another, with a
    /// prediction from the active model; the second with one annotation; the third untouched.
    /// </summary>
    private async Task<(int ProjectId, long[] ItemIds, string FirstEmail, string SecondEmail)> SeedAsync()
    {
        var projectId = await fixture.Get<ProjectService>().CreateAsync(Caller.System,
            new ProjectInput($"export-{Guid.NewGuid():N}", ProjectKind.Text, [new LabelSpec("pos"), new LabelSpec("neg")]), Cancel);
        var jsonl = """
            {"id":"r1","text":"Loved it, \"really\"."}
            {"id":"r2","text":"Terrible,\nwould not buy."}
            {"id":"r3","text":"It arrived."}
            """;
        var entry = new ImportEntry("reviews.jsonl", jsonl.Length, () => new MemoryStream(Encoding.UTF8.GetBytes(jsonl)));
        var report = await fixture.Get<ImportService>().ImportAsync(projectId, new ImportListing([entry], []), cancellationToken: Cancel);
        Assert.True(report.Succeeded, string.Join("; ", report.Errors));

        var firstEmail = LabelLoopDataFixture.UniqueEmail("first");
        var secondEmail = LabelLoopDataFixture.UniqueEmail("second");
        var first = await fixture.CreateUserAsync(firstEmail);
        var second = await fixture.CreateUserAsync(secondEmail);

        await using var db = fixture.CreateContext();
        var items = await db.Items.Where(i => i.ProjectId == projectId).OrderBy(i => i.ExternalId).ToListAsync(Cancel);
        items[0].Status = ItemStatus.Labeled;
        items[0].FinalLabel = "pos";
        items[0].AnnotationCount = 2;
        items[1].AnnotationCount = 1;
        db.Annotations.AddRange(
            new Annotation { ItemId = items[0].Id, ProjectId = projectId, UserId = first, Label = "pos", LeadTimeSeconds = 1.25, CreatedUtc = Monday },
            new Annotation { ItemId = items[0].Id, ProjectId = projectId, UserId = second, WasSkipped = true, LeadTimeSeconds = 4, CreatedUtc = Monday.AddMinutes(1) },
            new Annotation { ItemId = items[1].Id, ProjectId = projectId, UserId = second, Label = "neg", LeadTimeSeconds = 2.5, CreatedUtc = Monday.AddMinutes(2) });
        var inactive = new ModelVersion { ProjectId = projectId, Version = 1, IsActive = false, CreatedUtc = Monday };
        var active = new ModelVersion { ProjectId = projectId, Version = 2, IsActive = true, CreatedUtc = Monday };
        db.ModelVersions.AddRange(inactive, active);
        await db.SaveChangesAsync(Cancel);
        db.Predictions.AddRange(
            new Prediction { ItemId = items[0].Id, ModelVersionId = active.Id, Label = "pos", Probabilities = [0.75f, 0.25f], Score = 0.5 },
            new Prediction { ItemId = items[1].Id, ModelVersionId = inactive.Id, Label = "pos", Probabilities = [0.5f, 0.5f], Score = 1 });
        await db.SaveChangesAsync(Cancel);
        return (projectId, items.Select(i => i.Id).ToArray(), firstEmail, secondEmail);
    }

    private async Task<(long Count, string Text)> ExportAsync(int projectId, string format, ExportFilter? filter = null)
    {
        var output = new MemoryStream();
        long count;
        await using (var writer = ExportWriters.Create(format, output))
        {
            count = await _exports.ExportAsync(Caller.System, projectId, writer, filter ?? new ExportFilter(), Cancel);
        }
        return (count, Encoding.UTF8.GetString(output.ToArray()));
    }

    [Fact]
    public async Task Jsonl_export_has_one_line_per_item_matching_the_database()
    {
        var (projectId, _, _, _) = await SeedAsync();

        var (count, text) = await ExportAsync(projectId, "jsonl");

        var lines = text.Split('\n');
        Assert.Equal("", lines[^1]);
        lines = lines[..^1];
        Assert.Equal(3, count);
        Assert.Equal(3, lines.Length);
        await using var db = fixture.CreateContext();
        var items = await db.Items.Where(i => i.ProjectId == projectId).OrderBy(i => i.Id).ToListAsync(Cancel);
        var emails = await db.Users.ToDictionaryAsync(u => u.Id, u => u.Email!, Cancel);
        for (var n = 0; n < items.Count; n++)
        {
            var item = items[n];
            using var doc = JsonDocument.Parse(lines[n]);
            var json = doc.RootElement;
            Assert.Equal(item.Id, json.GetProperty("id").GetInt64());
            Assert.Equal(item.ExternalId, json.GetProperty("externalId").GetString());
            Assert.Equal(item.Text, json.GetProperty("text").GetString());
            Assert.False(json.TryGetProperty("blob", out _));
            Assert.Equal(item.Status == ItemStatus.Labeled ? "labeled" : "unlabeled", json.GetProperty("status").GetString());
            Assert.Equal(item.FinalLabel, json.GetProperty("finalLabel").GetString());

            var annotations = await db.Annotations.Where(a => a.ItemId == item.Id).OrderBy(a => a.Id).ToListAsync(Cancel);
            var exported = json.GetProperty("annotations").EnumerateArray().ToList();
            Assert.Equal(annotations.Count, exported.Count);
            for (var k = 0; k < annotations.Count; k++)
            {
                Assert.Equal(emails[annotations[k].UserId], exported[k].GetProperty("annotator").GetString());
                Assert.Equal(annotations[k].Label, exported[k].GetProperty("label").GetString());
                Assert.Equal(annotations[k].WasSkipped, exported[k].GetProperty("skipped").GetBoolean());
                Assert.Equal(annotations[k].CreatedUtc, exported[k].GetProperty("createdUtc").GetDateTime().ToUniversalTime());
                Assert.Equal(annotations[k].LeadTimeSeconds, exported[k].GetProperty("leadTimeSeconds").GetDouble());
            }
        }
    }

    [Fact]
    public async Task Jsonl_export_carries_only_the_active_models_prediction()
    {
        var (projectId, _, _, _) = await SeedAsync();

        var (_, text) = await ExportAsync(projectId, "jsonl");

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var first = JsonDocument.Parse(lines[0]);
        var prediction = first.RootElement.GetProperty("prediction");
        Assert.Equal(2, prediction.GetProperty("modelVersion").GetInt32());
        Assert.Equal("pos", prediction.GetProperty("label").GetString());
        Assert.Equal(0.5, prediction.GetProperty("score").GetDouble());
        Assert.Equal("{\"pos\":0.75,\"neg\":0.25}", prediction.GetProperty("probabilities").GetRawText());
        using var second = JsonDocument.Parse(lines[1]);
        Assert.False(second.RootElement.TryGetProperty("prediction", out _));
    }

    [Fact]
    public async Task Csv_export_rows_match_the_database()
    {
        var (projectId, ids, firstEmail, secondEmail) = await SeedAsync();

        var (count, text) = await ExportAsync(projectId, "csv");

        var rows = CsvReader.ReadRows(text);
        Assert.Equal(3, count);
        Assert.Equal(4, rows.Count);
        Assert.All(rows, r => Assert.Null(r.Error));
        Assert.Equal(
            ["id", "external_id", "text", "blob", "content_url", "status", "final_label", "annotation_count", "annotator_labels", "last_annotated_utc",
                "predicted_label", "prediction_score", "probabilities", "model_version"],
            rows[0].Fields);
        string Id(int n) => ids[n].ToString(CultureInfo.InvariantCulture);
        Assert.Equal([Id(0), "r1", "Loved it, \"really\".", "", "", "labeled", "pos", "2", $"{firstEmail}=pos|{secondEmail}=(skipped)", "2025-06-02T09:31:00Z",
            "pos", "0.5", "pos=0.75|neg=0.25", "2"], rows[1].Fields);
        Assert.Equal([Id(1), "r2", "Terrible,\nwould not buy.", "", "", "unlabeled", "", "1", $"{secondEmail}=neg", "2025-06-02T09:32:00Z", "", "", "", ""], rows[2].Fields);
        Assert.Equal([Id(2), "r3", "It arrived.", "", "", "unlabeled", "", "0", "", "", "", "", "", ""], rows[3].Fields);
    }

    [Fact]
    public async Task The_labeled_only_filter_keeps_items_with_a_final_label()
    {
        var (projectId, ids, _, _) = await SeedAsync();

        var (count, text) = await ExportAsync(projectId, "jsonl", new ExportFilter(LabeledOnly: true));

        Assert.Equal(1, count);
        using var doc = JsonDocument.Parse(Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal(ids[0], doc.RootElement.GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task The_final_label_and_since_filters_select_items()
    {
        var (projectId, ids, _, _) = await SeedAsync();

        var (byLabel, _) = await ExportAsync(projectId, "csv", new ExportFilter(FinalLabel: "neg"));
        var (since, text) = await ExportAsync(projectId, "csv", new ExportFilter(SinceUtc: Monday.AddMinutes(2)));

        Assert.Equal(0, byLabel);
        Assert.Equal(1, since);
        Assert.Equal(ids[1].ToString(CultureInfo.InvariantCulture), CsvReader.ReadRows(text)[1].Fields[0]);
    }

    [Fact]
    public async Task Image_items_export_their_blob_hash()
    {
        var projectId = await fixture.Get<ProjectService>().CreateAsync(Caller.System, new ProjectInput($"export-img-{Guid.NewGuid():N}", ProjectKind.Image, []), Cancel);
        var png = TestImages.Png(5);
        var entry = new ImportEntry("cat/a.png", png.Length, () => new MemoryStream(png));
        await fixture.Get<ImportService>().ImportAsync(projectId, new ImportListing([entry], []), cancellationToken: Cancel);

        var (_, text) = await ExportAsync(projectId, "jsonl");

        using var doc = JsonDocument.Parse(text);
        Assert.Equal(TestImages.Sha256(png), doc.RootElement.GetProperty("blob").GetString());
        Assert.False(doc.RootElement.TryGetProperty("text", out _));
    }

    [Fact]
    public async Task Exporting_a_missing_project_is_not_found()
    {
        await using var writer = ExportWriters.Create("jsonl", new MemoryStream());

        await Assert.ThrowsAsync<NotFoundException>(() => _exports.ExportAsync(Caller.System, int.MaxValue, writer, new ExportFilter(), Cancel));
    }

    [Fact]
    public async Task Annotators_are_refused_and_reviewers_export_every_answer_without_external_ids()
    {
        var (projectId, _, firstEmail, secondEmail) = await SeedAsync();
        var projects = fixture.Get<ProjectService>();
        var annotator = new Caller(await fixture.CreateUserAsync(LabelLoopDataFixture.UniqueEmail("annotator")), IsAdmin: false);
        var reviewer = new Caller(await fixture.CreateUserAsync(LabelLoopDataFixture.UniqueEmail("reviewer"), Roles.Reviewer), IsAdmin: false, IsReviewer: true);
        var outsideReviewer = new Caller(await fixture.CreateUserAsync(LabelLoopDataFixture.UniqueEmail("outside"), Roles.Reviewer), IsAdmin: false, IsReviewer: true);
        await projects.AddMemberAsync(Caller.System, projectId, annotator.UserId, Cancel);
        await projects.AddMemberAsync(Caller.System, projectId, reviewer.UserId, Cancel);

        async Task<string> Export(Caller caller, string format)
        {
            var output = new MemoryStream();
            await _exports.WriteAsync(caller, projectId, format, new ExportFilter(), output, null, Cancel);
            return Encoding.UTF8.GetString(output.ToArray());
        }

        var refused = await Assert.ThrowsAsync<AccessDeniedException>(() => Export(annotator, "jsonl"));
        Assert.Contains("reviewers", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<AccessDeniedException>(() => _exports.CountAsync(annotator, projectId, "jsonl", new ExportFilter(), Cancel));
        await Assert.ThrowsAsync<AccessDeniedException>(() => Export(outsideReviewer, "jsonl"));

        var lines = (await Export(reviewer, "jsonl")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.All(lines, l => Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(l).RootElement.GetProperty("externalId").ValueKind));
        Assert.Equal([firstEmail, secondEmail],
            JsonDocument.Parse(lines[0]).RootElement.GetProperty("annotations").EnumerateArray().Select(a => a.GetProperty("annotator").GetString()));
        var csv = CsvReader.ReadRows(await Export(reviewer, "csv"));
        Assert.All(csv.Skip(1), r => Assert.Equal("", r.Fields[1]));
        Assert.DoesNotContain("r1", await Export(reviewer, "csv"), StringComparison.Ordinal);
        Assert.Contains("\"externalId\":\"r1\"", await Export(Caller.System, "jsonl"), StringComparison.Ordinal);
    }
}

/// <summary>The tests above on the default provider (SQLite).</summary>
public sealed class ExportServiceTests(LabelLoopDataFixture fixture) : ExportServiceTests<LabelLoopDataFixture>(fixture);

/// <summary>The tests above on PostgreSQL.</summary>
public sealed class ExportServiceTestsOnPostgres(PostgresDataFixture fixture) : ExportServiceTests<PostgresDataFixture>(fixture);
