using System.Text.Json;
using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Import;
using LabelLoop.Core.Items;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Blobs;
using LabelLoop.Data.Import;
using LabelLoop.Data.Projects;
using LabelLoop.Testing;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Data.Tests.Import;

public abstract class ImportServiceTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : LabelLoopDataFixture
{
    private readonly ImportService _imports = fixture.Get<ImportService>();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<int> CreateProjectAsync(ProjectKind kind, params LabelSpec[] labels) =>
        await fixture.Get<ProjectService>().CreateAsync(Caller.System, new ProjectInput($"import-{Guid.NewGuid():N}", kind, labels), Cancel);

    private async Task<ImportReport> ImportPathAsync(int projectId, string path, bool addMissingLabels = true)
    {
        using var opened = OpenedImport.Open(path);
        return await _imports.ImportAsync(projectId, opened.Listing, addMissingLabels, cancellationToken: Cancel);
    }

    /// <summary>Item rows, label names in order (comma-joined) and the project's item counter.</summary>
    private async Task<(int Items, string Labels, int ItemCount)> SnapshotAsync(int projectId)
    {
        await using var db = fixture.CreateContext();
        var items = await db.Items.CountAsync(i => i.ProjectId == projectId, Cancel);
        var labels = await db.LabelClasses.Where(l => l.ProjectId == projectId).OrderBy(l => l.Order).Select(l => l.Name).ToListAsync(Cancel);
        var itemCount = await db.Projects.Where(p => p.Id == projectId).Select(p => p.ItemCount).SingleAsync(Cancel);
        return (items, string.Join(',', labels), itemCount);
    }

    private static TempDirectory ImageFolder(params (string Path, byte[] Content)[] files)
    {
        var dir = new TempDirectory();
        foreach (var (path, content) in files)
        {
            dir.Write(path, content);
        }
        return dir;
    }

    [Fact]
    public async Task An_image_folder_with_class_folders_imports_items_and_their_labels()
    {
        var id = await CreateProjectAsync(ProjectKind.Image, new LabelSpec("cat"));
        var images = new[] { ("cat/a.png", TestImages.Png(1)), ("cat/b.png", TestImages.Png(2)), ("dog/c.png", TestImages.Png(3)), ("unlabeled/d.png", TestImages.Png(4)) };
        using var folder = ImageFolder(images);

        var report = await ImportPathAsync(id, folder.Path);

        Assert.Empty(report.Errors);
        Assert.Equal((4, 0), (report.Added, report.AlreadyPresent));
        Assert.Equal(["dog"], report.LabelsAdded);
        Assert.Equal((4, "cat,dog", 4), await SnapshotAsync(id));
        await using var db = fixture.CreateContext();
        var items = await db.Items.Where(i => i.ProjectId == id).OrderBy(i => i.ExternalId).ToListAsync(Cancel);
        Assert.Equal(["cat/a.png", "cat/b.png", "dog/c.png", "unlabeled/d.png"], items.Select(i => i.ExternalId));
        Assert.Equal(["cat", "cat", "dog", null], items.Select(i => i.GroundTruth));
        Assert.All(items, i =>
        {
            Assert.Equal(ItemStatus.Unlabeled, i.Status);
            Assert.Equal(i.ContentHash, i.BlobHash);
            Assert.Equal("image/png", i.MediaType);
            Assert.Null(i.Text);
            Assert.Null(i.FinalLabel);
            Assert.Equal(4, JsonDocument.Parse(i.MetaJson).RootElement.GetProperty("width").GetInt32());
        });
        var dog = await db.LabelClasses.SingleAsync(l => l.ProjectId == id && l.Name == "dog", Cancel);
        Assert.Equal((1, ProjectRules.DefaultColor(1)), (dog.Order, dog.Color));
    }

    [Fact]
    public async Task Blobs_are_stored_by_content_hash()
    {
        var id = await CreateProjectAsync(ProjectKind.Image);
        var png = TestImages.Png(40, width: 7, height: 5);
        using var folder = ImageFolder(("x.png", png));

        await ImportPathAsync(id, folder.Path);

        var hash = TestImages.Sha256(png);
        var path = Path.Combine(fixture.BlobsDir, hash[..2], hash[2..4], hash);
        Assert.Equal(png, await File.ReadAllBytesAsync(path, Cancel));
        Assert.Equal(path, fixture.Get<BlobStore>().PathOf(hash));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(fixture.DataDir.Path, "tmp")));
    }

    [Fact]
    public async Task Reimporting_the_same_folder_adds_nothing()
    {
        var id = await CreateProjectAsync(ProjectKind.Image);
        using var folder = ImageFolder(("cat/a.png", TestImages.Png(11)), ("dog/b.png", TestImages.Png(12)), ("c.png", TestImages.Png(13)));
        await ImportPathAsync(id, folder.Path);
        var before = await SnapshotAsync(id);

        var report = await ImportPathAsync(id, folder.Path);

        Assert.Empty(report.Errors);
        Assert.Equal((0, 3), (report.Added, report.AlreadyPresent));
        Assert.Empty(report.LabelsAdded);
        Assert.Equal(before, await SnapshotAsync(id));
    }

    [Fact]
    public async Task Reimporting_with_one_new_file_adds_only_that_file()
    {
        var id = await CreateProjectAsync(ProjectKind.Image);
        using var folder = ImageFolder(("cat/a.png", TestImages.Png(21)), ("cat/b.png", TestImages.Png(22)));
        await ImportPathAsync(id, folder.Path);
        folder.Write("cat/c.png", TestImages.Png(23));

        var report = await ImportPathAsync(id, folder.Path);

        Assert.Equal((1, 2), (report.Added, report.AlreadyPresent));
        Assert.Equal(3, (await SnapshotAsync(id)).ItemCount);
    }

    [Fact]
    public async Task A_zip_with_a_corrupt_png_a_text_file_and_a_zip_slip_entry_imports_nothing()
    {
        var id = await CreateProjectAsync(ProjectKind.Image);
        using (var seed = ImageFolder(("cat/seed.png", TestImages.Png(30))))
        {
            await ImportPathAsync(id, seed.Path);
        }
        var before = await SnapshotAsync(id);
        var blobsBefore = fixture.DataDir.FilesUnder("blobs");
        using var upload = new TempDirectory();
        var zipPath = upload.Write("upload.zip", TestImages.Zip(
            ("cat/good.png", TestImages.Png(31)),
            ("dog/good.png", TestImages.Png(32)),
            ("dog/broken.png", TestImages.CorruptPng(33)),
            ("dog/notes.txt", "not an image"u8.ToArray()),
            ("../evil.png", TestImages.Png(34)),
            ("/etc/x.png", TestImages.Png(35))));

        var report = await ImportPathAsync(id, zipPath);

        Assert.False(report.Succeeded);
        Assert.Equal((0, 0), (report.Added, report.AlreadyPresent));
        Assert.Equal(["../evil.png", "/etc/x.png", "dog/broken.png", "dog/notes.txt"], report.Errors.Select(e => e.Source).Order(StringComparer.Ordinal));
        Assert.Contains("bad CRC", report.Errors.Single(e => e.Source == "dog/broken.png").Message, StringComparison.Ordinal);
        Assert.Contains("path traversal", report.Errors.Single(e => e.Source == "../evil.png").Message, StringComparison.Ordinal);
        Assert.Equal(before, await SnapshotAsync(id));
        Assert.Equal(blobsBefore, fixture.DataDir.FilesUnder("blobs"));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(fixture.DataDir.Path, "tmp")));
    }

    [Fact]
    public async Task A_folder_with_a_corrupt_png_and_a_text_file_imports_nothing()
    {
        var id = await CreateProjectAsync(ProjectKind.Image);
        var good = TestImages.Png(51);
        using var folder = ImageFolder(("cat/good.png", good), ("cat/broken.png", TestImages.CorruptPng(52)), ("readme.txt", "hello"u8.ToArray()));

        var report = await ImportPathAsync(id, folder.Path);

        Assert.Equal(["cat/broken.png", "readme.txt"], report.Errors.Select(e => e.Source).Order(StringComparer.Ordinal));
        Assert.Equal((0, "", 0), await SnapshotAsync(id));
        Assert.False(File.Exists(fixture.Get<BlobStore>().PathOf(TestImages.Sha256(good))));
    }

    [Fact]
    public async Task New_labels_are_errors_when_they_may_not_be_added()
    {
        var id = await CreateProjectAsync(ProjectKind.Image, new LabelSpec("cat"));
        using var folder = ImageFolder(("cat/a.png", TestImages.Png(61)), ("owl/b.png", TestImages.Png(62)));

        var report = await ImportPathAsync(id, folder.Path, addMissingLabels: false);

        Assert.Equal([new ImportError("(labels)", "label 'owl' is not in the project's label set")], report.Errors);
        Assert.Equal((0, "cat", 0), await SnapshotAsync(id));
    }

    [Fact]
    public async Task An_empty_folder_is_an_error()
    {
        var id = await CreateProjectAsync(ProjectKind.Image);
        using var folder = new TempDirectory();

        var report = await ImportPathAsync(id, folder.Path);

        Assert.Equal([new ImportError("(import)", "no images found")], report.Errors);
    }

    [Fact]
    public async Task Importing_into_a_missing_project_is_not_found()
    {
        await Assert.ThrowsAsync<NotFoundException>(() => _imports.ImportAsync(int.MaxValue, new ImportListing([], []), cancellationToken: Cancel));
    }

    [Fact]
    public async Task A_jsonl_file_imports_text_items()
    {
        var id = await CreateProjectAsync(ProjectKind.Text);
        using var dir = new TempDirectory();
        var path = dir.WriteText("data.jsonl", """
            {"id":"a","text":"The striker scored twice.","label":"sports"}
            {"id":"b","text":"Parliament passed the bill.","label":"politics"}
            {"id":"c","text":"No label on this one."}
            """);

        var report = await ImportPathAsync(id, path);

        Assert.Empty(report.Errors);
        Assert.Equal(3, report.Added);
        Assert.Equal(["politics", "sports"], report.LabelsAdded);
        await using var db = fixture.CreateContext();
        var items = await db.Items.Where(i => i.ProjectId == id).OrderBy(i => i.ExternalId).ToListAsync(Cancel);
        Assert.Equal(
            [("a", "The striker scored twice.", "sports"), ("b", "Parliament passed the bill.", "politics"), ("c", "No label on this one.", null)],
            items.Select(i => (i.ExternalId, i.Text, i.GroundTruth)));
        Assert.All(items, i => Assert.Null(i.BlobHash));
        Assert.All(items, i => Assert.Equal("{}", i.MetaJson));
        Assert.Equal(3, (await SnapshotAsync(id)).ItemCount);
    }

    [Fact]
    public async Task A_csv_file_imports_text_items_with_quoted_fields()
    {
        var id = await CreateProjectAsync(ProjectKind.Text);
        using var dir = new TempDirectory();
        var path = dir.WriteText("data.csv", "text,label\n\"Hello, \"\"friend\"\"\",greeting\n\"two\nlines\",\nbye,farewell\n");

        var report = await ImportPathAsync(id, path);

        Assert.Empty(report.Errors);
        Assert.Equal(3, report.Added);
        await using var db = fixture.CreateContext();
        var texts = await db.Items.Where(i => i.ProjectId == id).OrderBy(i => i.Id).Select(i => i.Text).ToListAsync(Cancel);
        Assert.Equal(["Hello, \"friend\"", "two\nlines", "bye"], texts);
    }

    [Fact]
    public async Task A_text_file_with_one_bad_line_imports_nothing()
    {
        var id = await CreateProjectAsync(ProjectKind.Text);
        using var dir = new TempDirectory();
        var path = dir.WriteText("data.jsonl", "{\"id\":\"a\",\"text\":\"fine\"}\n{\"id\":\"b\",\"text\":\n");

        var report = await ImportPathAsync(id, path);

        Assert.Equal(["data.jsonl:2"], report.Errors.Select(e => e.Source));
        Assert.Equal((0, "", 0), await SnapshotAsync(id));
    }

    [Theory]
    [InlineData("data.jsonl", "{\"id\":\"a\",\"text\":\"fine\"}\n{\"id\":\"b\",\"text\":\"a\\u0000b\"}\n", "data.jsonl:2", "field \"text\"")]
    [InlineData("data.csv", "id,text,label\na,fine,cat\nb,x,\"c\0at\"\n", "data.csv:3", "column \"label\"")]
    public async Task A_nul_in_imported_text_is_an_error_on_its_line_and_stores_nothing(string file, string content, string source, string field)
    {
        var id = await CreateProjectAsync(ProjectKind.Text);
        using var dir = new TempDirectory();
        var path = dir.WriteText(file, content);

        var report = await ImportPathAsync(id, path);

        var error = Assert.Single(report.Errors);
        Assert.Equal(source, error.Source);
        Assert.StartsWith($"{field} contains the NUL character", error.Message, StringComparison.Ordinal);
        Assert.Equal((0, "", 0), await SnapshotAsync(id));
    }

    [Fact]
    public async Task Text_imports_are_idempotent_too()
    {
        var id = await CreateProjectAsync(ProjectKind.Text);
        using var dir = new TempDirectory();
        var path = dir.WriteText("data.jsonl", "{\"id\":\"a\",\"text\":\"one\"}\n{\"id\":\"b\",\"text\":\"two\"}\n");
        await ImportPathAsync(id, path);

        var report = await ImportPathAsync(id, path);

        Assert.Equal((0, 2), (report.Added, report.AlreadyPresent));
        Assert.Equal(2, (await SnapshotAsync(id)).ItemCount);
    }

    [Fact]
    public async Task Images_offered_to_a_text_project_are_refused()
    {
        var id = await CreateProjectAsync(ProjectKind.Text);
        using var folder = ImageFolder(("a.png", TestImages.Png(71)));

        var report = await ImportPathAsync(id, folder.Path);

        Assert.Contains("unsupported file type '.png'", Assert.Single(report.Errors).Message, StringComparison.Ordinal);
    }

    private static ImportListing Jsonl(string name, IEnumerable<string> lines)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n");
        return new ImportListing([new ImportEntry(name, bytes.Length, () => new MemoryStream(bytes))], []);
    }

    [Fact]
    public async Task An_import_that_would_pass_the_label_limit_is_refused_and_stores_nothing()
    {
        var id = await CreateProjectAsync(ProjectKind.Text, new LabelSpec("known"));
        var lines = Enumerable.Range(0, 10_000).Select(i => JsonSerializer.Serialize(new { text = $"text {i}", label = $"label-{i}" }));

        var report = await _imports.ImportAsync(id, Jsonl("many.jsonl", lines), cancellationToken: Cancel);

        var error = Assert.Single(report.Errors);
        Assert.Equal("(labels)", error.Source);
        Assert.Contains("10000 new label(s)", error.Message, StringComparison.Ordinal);
        Assert.Contains("makes 10001", error.Message, StringComparison.Ordinal);
        Assert.Contains($"limit of {ProjectRules.MaxLabels} labels per project", error.Message, StringComparison.Ordinal);
        Assert.Equal((0, "known", 0), await SnapshotAsync(id));
    }

    [Fact]
    public async Task The_label_limit_counts_the_labels_the_project_has()
    {
        var id = await CreateProjectAsync(ProjectKind.Text, [.. Enumerable.Range(0, ProjectRules.MaxLabels - 1).Select(i => new LabelSpec($"have-{i}"))]);

        var tooMany = await _imports.ImportAsync(id, Jsonl("two.jsonl", ["{\"text\":\"a\",\"label\":\"new-1\"}", "{\"text\":\"b\",\"label\":\"new-2\"}"]), cancellationToken: Cancel);
        var fits = await _imports.ImportAsync(id, Jsonl("one.jsonl", ["{\"text\":\"a\",\"label\":\"new-1\"}", "{\"text\":\"b\",\"label\":\"have-0\"}"]), cancellationToken: Cancel);

        Assert.Contains($"with the project's {ProjectRules.MaxLabels - 1} that makes {ProjectRules.MaxLabels + 1}", Assert.Single(tooMany.Errors).Message, StringComparison.Ordinal);
        Assert.Empty(fits.Errors);
        Assert.Equal(["new-1"], fits.LabelsAdded);
        var (items, labels, _) = await SnapshotAsync(id);
        Assert.Equal(2, items);
        Assert.Equal(ProjectRules.MaxLabels, labels.Split(',').Length);
    }

    [Fact]
    public async Task Imports_that_together_pass_the_label_limit_do_not_both_store()
    {
        var id = await CreateProjectAsync(ProjectKind.Text);
        ImportListing Half(string prefix) =>
            Jsonl($"{prefix}.jsonl", Enumerable.Range(0, 150).Select(i => JsonSerializer.Serialize(new { text = $"{prefix} {i}", label = $"{prefix}-{i}" })));

        var reports = await Task.WhenAll(
            _imports.ImportAsync(id, Half("first"), cancellationToken: Cancel),
            _imports.ImportAsync(id, Half("second"), cancellationToken: Cancel));

        Assert.Single(reports, r => r.Succeeded);
        Assert.Contains("over the limit of 200 labels", Assert.Single(reports, r => !r.Succeeded).Errors[0].Message, StringComparison.Ordinal);
        var (items, labels, _) = await SnapshotAsync(id);
        Assert.Equal(150, items);
        Assert.Equal(150, labels.Split(',').Length);
    }

    [Fact]
    public async Task Repeated_lines_are_imported_once_and_reported_as_duplicates()
    {
        var id = await CreateProjectAsync(ProjectKind.Text);

        var report = await _imports.ImportAsync(id, Jsonl("same.jsonl", Enumerable.Repeat("{\"text\":\"one line, many times\"}", 22_528)), cancellationToken: Cancel);

        Assert.Empty(report.Errors);
        Assert.Equal((1, 0, 22_527), (report.Added, report.AlreadyPresent, report.DuplicatesSkipped));
        Assert.Contains("22527 duplicate(s)", report.DuplicatesNote, StringComparison.Ordinal);
        Assert.Equal(1, (await SnapshotAsync(id)).Items);
    }
}

/// <summary>The tests above on the default provider (SQLite).</summary>
public sealed class ImportServiceTests(LabelLoopDataFixture fixture) : ImportServiceTests<LabelLoopDataFixture>(fixture);

/// <summary>The tests above on PostgreSQL.</summary>
public sealed class ImportServiceTestsOnPostgres(PostgresDataFixture fixture) : ImportServiceTests<PostgresDataFixture>(fixture);
