using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
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
using LabelLoop.Data.Blobs;
using LabelLoop.Data.Export;
using LabelLoop.Data.Import;
using LabelLoop.Data.Projects;
using LabelLoop.Testing;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Data.Tests.Export;

/// <summary>Exports larger than one page, checked line by line against the database; the zip and the file writer.</summary>
public abstract class ExportPagingTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : LabelLoopDataFixture
{
    private static readonly string[] ZipSources = ["cat/a.png", "dog/b.png", "cat/c.png", "unlabeled/d.png"];

    private static readonly DateTime Start = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private readonly ExportService _exports = fixture.Get<ExportService>();

    /// <summary>
    /// A text project of <paramref name="items"/> items (more than two pages): every third labeled "a"/"b" by one or
    /// two annotators at increasing times, every fifth with a prediction of the active version 3.
    /// </summary>
    private async Task<(int ProjectId, string Email)> SeedAsync(int items)
    {
        var projectId = await fixture.Get<ProjectService>().CreateAsync(Caller.System,
            new ProjectInput($"paging-{Guid.NewGuid():N}", ProjectKind.Text, [new LabelSpec("a"), new LabelSpec("b")]), Cancel);
        var email = LabelLoopDataFixture.UniqueEmail("pager");
        var first = await fixture.CreateUserAsync(email);
        var second = await fixture.CreateUserAsync(LabelLoopDataFixture.UniqueEmail("second"));
        // Written through EF, so the same rows land on either provider.
        await using var db = fixture.CreateContext();
        var rows = Enumerable.Range(1, items).Select(g => new Item
        {
            ProjectId = projectId,
            ContentHash = g.ToString("x64", CultureInfo.InvariantCulture),
            Text = $"text {g}",
            ExternalId = $"ext-{g}",
            MetaJson = "{}",
            Status = g % 3 == 0 ? ItemStatus.Labeled : ItemStatus.Unlabeled,
            FinalLabel = g % 3 == 0 ? (g % 2 == 0 ? "a" : "b") : null,
            AnnotationCount = g % 3 == 0 ? 1 : 0,
            CreatedUtc = Start,
        }).ToList();
        db.Items.AddRange(rows);
        await db.SaveChangesAsync(Cancel);
        var firstId = rows.Min(i => i.Id);
        db.Annotations.AddRange(rows.Where(i => i.FinalLabel is not null).Select(i => new Annotation
        {
            ItemId = i.Id,
            ProjectId = projectId,
            UserId = first,
            Label = i.FinalLabel,
            LeadTimeSeconds = 1.5,
            CreatedUtc = Start.AddMinutes(i.Id - firstId),
        }));
        db.Annotations.AddRange(rows.Where(i => i.FinalLabel == "a").Select(i => new Annotation
        {
            ItemId = i.Id,
            ProjectId = projectId,
            UserId = second,
            Label = null,
            WasSkipped = true,
            LeadTimeSeconds = 2,
            CreatedUtc = Start,
        }));
        var version = new ModelVersion
        {
            ProjectId = projectId,
            Version = 3,
            ArtifactPath = "",
            Strategy = "margin",
            LabelCount = 0,
            MetricsJson = "{}",
            IsActive = true,
            CreatedUtc = Start,
        };
        db.ModelVersions.Add(version);
        await db.SaveChangesAsync(Cancel);
        db.Predictions.AddRange(rows.Where(i => i.Id % 5 == 0).Select(i => new Prediction
        {
            ItemId = i.Id,
            ModelVersionId = version.Id,
            Label = "b",
            Probabilities = [0.25f, 0.75f],
            Score = i.Id / 1000.0,
            ReasonJson = "{}",
        }));
        await db.SaveChangesAsync(Cancel);
        return (projectId, email);
    }

    private async Task<(long Count, string[] Lines)> JsonlAsync(int projectId, ExportFilter filter)
    {
        var output = new MemoryStream();
        long count;
        await using (var writer = ExportWriters.Create("jsonl", output))
        {
            count = await _exports.ExportAsync(Caller.System, projectId, writer, filter, Cancel);
        }
        return (count, Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task A_multi_page_jsonl_export_matches_the_database_line_by_line()
    {
        var (projectId, email) = await SeedAsync(ExportService.PageSize * 2 + 500);
        var progress = new List<(long Written, long Total)>();

        var output = new MemoryStream();
        var result = await _exports.WriteAsync(Caller.System, projectId, "jsonl", new ExportFilter(), output, (w, t) => progress.Add((w, t)), Cancel);

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        await using var db = fixture.CreateContext();
        var items = await db.Items.AsNoTracking().Where(i => i.ProjectId == projectId).OrderBy(i => i.Id).ToListAsync(Cancel);
        var annotations = (await db.Annotations.AsNoTracking().Where(a => a.ProjectId == projectId).OrderBy(a => a.Id).ToListAsync(Cancel))
            .ToLookup(a => a.ItemId);
        var version = await db.ModelVersions.AsNoTracking().SingleAsync(v => v.ProjectId == projectId && v.IsActive, Cancel);
        var predictions = await db.Predictions.AsNoTracking().Where(p => p.ModelVersionId == version.Id).ToDictionaryAsync(p => p.ItemId, Cancel);
        var emails = await db.Users.AsNoTracking().ToDictionaryAsync(u => u.Id, u => u.Email!, Cancel);

        Assert.Equal(items.Count, result.Items);
        Assert.Equal(items.Count, lines.Length);
        Assert.Equal(output.Length, result.Bytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(output.ToArray())), result.Sha256);
        Assert.Equal((0L, (long)items.Count), progress[0]);
        Assert.Equal(((long)items.Count, (long)items.Count), progress[^1]);
        for (var n = 0; n < items.Count; n++)
        {
            var item = items[n];
            using var doc = JsonDocument.Parse(lines[n]);
            var json = doc.RootElement;
            Assert.Equal(item.Id, json.GetProperty("id").GetInt64());
            Assert.Equal(item.ExternalId, json.GetProperty("externalId").GetString());
            Assert.Equal(item.Text, json.GetProperty("text").GetString());
            Assert.Equal(item.FinalLabel, json.GetProperty("finalLabel").GetString());
            var exported = json.GetProperty("annotations").EnumerateArray().ToList();
            var stored = annotations[item.Id].ToList();
            Assert.Equal(stored.Count, exported.Count);
            for (var k = 0; k < stored.Count; k++)
            {
                Assert.Equal(emails[stored[k].UserId], exported[k].GetProperty("annotator").GetString());
                Assert.Equal(stored[k].Label, exported[k].GetProperty("label").GetString());
                Assert.Equal(stored[k].WasSkipped, exported[k].GetProperty("skipped").GetBoolean());
                Assert.Equal(stored[k].CreatedUtc, exported[k].GetProperty("createdUtc").GetDateTime().ToUniversalTime());
            }
            if (predictions.TryGetValue(item.Id, out var p))
            {
                var exportedPrediction = json.GetProperty("prediction");
                Assert.Equal(3, exportedPrediction.GetProperty("modelVersion").GetInt32());
                Assert.Equal(p.Label, exportedPrediction.GetProperty("label").GetString());
                Assert.Equal(p.Score, exportedPrediction.GetProperty("score").GetDouble(), 9);
                Assert.Equal(0.25f, exportedPrediction.GetProperty("probabilities").GetProperty("a").GetSingle());
                Assert.Equal(0.75f, exportedPrediction.GetProperty("probabilities").GetProperty("b").GetSingle());
            }
            else
            {
                Assert.False(json.TryGetProperty("prediction", out _));
            }
        }
        Assert.Contains(email, lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Filters_combine_across_pages()
    {
        var (projectId, _) = await SeedAsync(ExportService.PageSize * 2 + 500);
        await using var db = fixture.CreateContext();
        var firstId = await db.Items.Where(i => i.ProjectId == projectId).MinAsync(i => i.Id, Cancel);

        var (labeled, _) = await JsonlAsync(projectId, new ExportFilter(LabeledOnly: true));
        var (onlyA, aLines) = await JsonlAsync(projectId, new ExportFilter(FinalLabel: "a"));
        // Labeled item k (k = 0, 1, ...) was annotated at Start + (id - firstId) minutes.
        var since = Start.AddMinutes(3000);
        var until = Start.AddMinutes(3600);
        var (window, windowLines) = await JsonlAsync(projectId, new ExportFilter(SinceUtc: since, UntilUtc: until));
        var (windowA, _) = await JsonlAsync(projectId, new ExportFilter(FinalLabel: "a", SinceUtc: since, UntilUtc: until));

        Assert.Equal(await db.Items.CountAsync(i => i.ProjectId == projectId && i.FinalLabel != null, Cancel), labeled);
        Assert.Equal(await db.Items.CountAsync(i => i.ProjectId == projectId && i.FinalLabel == "a", Cancel), onlyA);
        Assert.All(aLines, l => Assert.Contains("\"finalLabel\":\"a\"", l, StringComparison.Ordinal));
        var expected = await db.Items.CountAsync(i => i.ProjectId == projectId && i.FinalLabel != null
            && i.Id - firstId >= 3000 && i.Id - firstId < 3600, Cancel);
        Assert.Equal(expected, window);
        Assert.True(window > 0);
        Assert.All(windowLines, l =>
        {
            using var doc = JsonDocument.Parse(l);
            var offset = doc.RootElement.GetProperty("id").GetInt64() - firstId;
            Assert.InRange(offset, 3000, 3599);
        });
        Assert.True(windowA > 0 && windowA < window);
        Assert.Equal(expected, await _exports.CountAsync(Caller.System, projectId, "jsonl", new ExportFilter(SinceUtc: since, UntilUtc: until), Cancel));
    }

    [Fact]
    public async Task A_window_that_ends_before_it_starts_is_refused()
    {
        var (projectId, _) = await SeedAsync(3);

        var ex = await Assert.ThrowsAsync<DomainValidationException>(() =>
            JsonlAsync(projectId, new ExportFilter(SinceUtc: Start, UntilUtc: Start.AddDays(-1))));

        Assert.True(ex.Errors.ContainsKey("until"));
    }

    [Fact]
    public async Task The_zip_export_holds_the_labeled_images_by_label_and_the_file_writer_replaces_atomically()
    {
        var projectId = await fixture.Get<ProjectService>().CreateAsync(Caller.System,
            new ProjectInput($"zip-{Guid.NewGuid():N}", ProjectKind.Image, [new LabelSpec("cat"), new LabelSpec("dog")]), Cancel);
        var pngs = Enumerable.Range(0, 4).Select(i => TestImages.Png(100 + i)).ToArray();
        var entries = ZipSources
            .Select((name, i) => new ImportEntry(name, pngs[i].Length, () => new MemoryStream(pngs[i]))).ToList();
        var report = await fixture.Get<ImportService>().ImportAsync(projectId, new ImportListing(entries, []), cancellationToken: Cancel);
        Assert.True(report.Succeeded, string.Join("; ", report.Errors));
        await using (var db = fixture.CreateContext())
        {
            // Folder labels are hidden ground truth; make them final labels, except the unlabeled one.
            await db.Items.Where(i => i.ProjectId == projectId && i.GroundTruth != null)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.FinalLabel, i => i.GroundTruth).SetProperty(i => i.Status, Core.Items.ItemStatus.Labeled), Cancel);
        }
        using var work = new TempDirectory();
        var path = work.WriteText("out/export.zip", "previous content");

        var result = await _exports.WriteFileAsync(Caller.System, projectId, "zip", new ExportFilter(), path, null, Cancel);

        Assert.Equal(3, result.Items);
        var bytes = await File.ReadAllBytesAsync(path, Cancel);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), result.Sha256);
        Assert.Equal(bytes.Length, result.Bytes);
        Assert.Equal([Path.Combine(work.Path, "out", "export.zip")], Directory.GetFiles(Path.Combine(work.Path, "out")));
        using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
        await using var db2 = fixture.CreateContext();
        var ids = await db2.Items.Where(i => i.ProjectId == projectId).ToDictionaryAsync(i => i.ExternalId, i => i.Id, Cancel);
        Assert.Equal(
            new[] { $"cat/{ids["cat/a.png"]}_a.png", $"dog/{ids["dog/b.png"]}_b.png", $"cat/{ids["cat/c.png"]}_c.png" }.Order(StringComparer.Ordinal),
            zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        var blobs = fixture.Get<BlobStore>();
        foreach (var entry in zip.Entries)
        {
            await using var stream = await entry.OpenAsync(Cancel);
            var copy = new MemoryStream();
            await stream.CopyToAsync(copy, Cancel);
            Assert.Contains(copy.ToArray(), pngs);
        }
        Assert.True(blobs.Exists(TestImages.Sha256(pngs[0])));
    }

    [Fact]
    public async Task A_text_project_cannot_be_exported_as_a_zip()
    {
        var (projectId, _) = await SeedAsync(3);

        var ex = await Assert.ThrowsAsync<DomainValidationException>(() =>
            _exports.WriteAsync(Caller.System, projectId, "zip", new ExportFilter(), new MemoryStream(), null, Cancel));

        Assert.True(ex.Errors.ContainsKey("format"));
        Assert.Equal(3, await _exports.CountAsync(Caller.System, projectId, "csv", new ExportFilter(), Cancel));
    }
}

/// <summary>The tests above on the default provider (SQLite).</summary>
public sealed class ExportPagingTests(LabelLoopDataFixture fixture) : ExportPagingTests<LabelLoopDataFixture>(fixture);

/// <summary>The tests above on PostgreSQL.</summary>
public sealed class ExportPagingTestsOnPostgres(PostgresDataFixture fixture) : ExportPagingTests<PostgresDataFixture>(fixture);
