using LabelLoop.Core.Import;
using LabelLoop.Core.Projects;
using LabelLoop.Web.Components.Pages.Projects;
using LabelLoop.Web.Components.Shared;
using Xunit;

namespace LabelLoop.Web.Tests.Components;

public sealed class ComponentTests : IAsyncDisposable
{
    private readonly ComponentRenderer _renderer = new();

    public ValueTask DisposeAsync() => _renderer.DisposeAsync();

    private static ProjectDetails Project(string name = "Birds") =>
        new(7, name, ProjectKind.Image, "", 1, true, [], new ProjectCounts(0, 0, 0, 0, 0, 0, 0), new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc));

    [Fact]
    public async Task Project_count_cards_show_every_count()
    {
        var counts = new ProjectCounts(Items: 42, Unlabeled: 30, Labeled: 9, Skipped: 2, InReview: 1, WithGroundTruth: 5, Annotations: 17);

        var page = await _renderer.RenderAsync<ProjectCountCards>(new Dictionary<string, object?> { ["Counts"] = counts });

        var shown = page.QuerySelectorAll("[data-count]").ToDictionary(e => e.GetAttribute("data-count")!, e => e.Text());
        Assert.Equal(
            new Dictionary<string, string> { ["items"] = "42", ["unlabeled"] = "30", ["labeled"] = "9", ["skipped"] = "2", ["in-review"] = "1", ["annotations"] = "17" },
            shown);
        Assert.Equal(["Items", "Unlabeled", "Labeled", "Skipped", "In review", "Annotations"], page.QuerySelectorAll(".count-card .count-title").Select(e => e.Text()));
    }

    [Fact]
    public async Task Import_result_lists_each_error_as_text()
    {
        var report = new ImportReport(0, 0, [], [
            new ImportError("<script>alert(1)</script>.png", "unsupported <b>type</b>"),
            new ImportError("data.jsonl:3", "malformed JSON"),
        ]);

        var page = await _renderer.RenderAsync<ImportResult>(new Dictionary<string, object?>
        {
            ["Project"] = Project("<i>Birds</i>"),
            ["Report"] = report,
            ["FileName"] = "upload<script>.zip",
        });

        Assert.Empty(page.QuerySelectorAll("script"));
        Assert.Empty(page.QuerySelectorAll("main b, main i"));
        var rows = page.QuerySelectorAll("table tbody tr").Select(r => (r.Children[0].TextContent, r.Children[1].TextContent)).ToList();
        Assert.Equal([("<script>alert(1)</script>.png", "unsupported <b>type</b>"), ("data.jsonl:3", "malformed JSON")], rows);
        Assert.Equal("Import into <i>Birds</i>", page.QuerySelector("h1")!.TextContent);
        Assert.Contains("2 problem(s) in upload<script>.zip", page.QuerySelector("[data-testid=import-errors]")!.Text(), StringComparison.Ordinal);
        Assert.Equal("/projects/7", page.QuerySelector("a[data-testid=back-to-project]")!.GetAttribute("href"));
        Assert.Contains("mud-alert-text-error", page.QuerySelector("[data-testid=import-errors]")!.ClassName ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_result_lists_at_most_500_errors()
    {
        var errors = Enumerable.Range(1, 501).Select(i => new ImportError($"f{i}.png", "bad")).ToList();

        var page = await _renderer.RenderAsync<ImportResult>(new Dictionary<string, object?>
        {
            ["Project"] = Project(),
            ["Report"] = new ImportReport(0, 0, [], errors),
            ["FileName"] = "big.zip",
        });

        Assert.Equal(500, page.QuerySelectorAll("[data-testid=import-error-table] table tbody tr").Length);
        Assert.Contains("... and 1 more.", page.Body!.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_result_reports_success_with_counts_and_new_labels()
    {
        var page = await _renderer.RenderAsync<ImportResult>(new Dictionary<string, object?>
        {
            ["Project"] = Project(),
            ["Report"] = new ImportReport(12, 3, ["cat", "dog"], []),
            ["FileName"] = "pets.zip",
        });

        Assert.Equal(
            "12 item(s) added from pets.zip. 3 were already in the project and were skipped. New labels: cat, dog.",
            page.QuerySelector("[data-testid=import-success]")!.Text());
        Assert.Null(page.QuerySelector("table"));
        Assert.Equal("Import - LabelLoop", page.Title);
        Assert.NotNull(page.QuerySelector("head link[href='_content/MudBlazor/MudBlazor.min.css']"));
    }

    [Fact]
    public async Task Import_result_points_a_queued_import_to_the_job_list()
    {
        var page = await _renderer.RenderAsync<ImportResult>(new Dictionary<string, object?>
        {
            ["Project"] = Project(),
            ["QueuedRunId"] = (long?)42,
            ["FileName"] = "big.zip",
        });

        Assert.StartsWith("big.zip is being imported in the background (job #42)", page.QuerySelector("[data-testid=import-queued]")!.Text(), StringComparison.Ordinal);
        Assert.Null(page.QuerySelector("[data-testid=import-success], [data-testid=import-errors]"));
    }

    [Fact]
    public async Task Error_summary_lists_messages_by_field_as_text()
    {
        var errors = new Dictionary<string, string[]> { ["name"] = ["Name is required."], ["labels"] = ["Label '<b>' appears twice.", "Hotkey 'x' is used twice."] };

        var page = await _renderer.RenderAsync<ErrorSummary>(new Dictionary<string, object?> { ["Errors"] = errors });

        var items = page.QuerySelectorAll("li").Select(li => (li.GetAttribute("data-field"), li.TextContent)).ToList();
        Assert.Equal([("name", "Name is required."), ("labels", "Label '<b>' appears twice."), ("labels", "Hotkey 'x' is used twice.")], items);
        Assert.Empty(page.QuerySelectorAll("li b"));
    }

    [Fact]
    public async Task Error_summary_renders_nothing_without_errors()
    {
        var page = await _renderer.RenderAsync<ErrorSummary>(new Dictionary<string, object?> { ["Errors"] = new Dictionary<string, string[]>() });

        Assert.Null(page.QuerySelector("[role=alert]"));
    }

    [Theory]
    [InlineData(403, "mud-alert-outlined-warning", "Access denied.")]
    [InlineData(404, "mud-alert-outlined-normal", "Not found.")]
    public async Task Failure_panel_shows_the_status_and_message(int status, string cssClass, string heading)
    {
        var page = await _renderer.RenderAsync<FailurePanel>(new Dictionary<string, object?> { ["Failure"] = ((int, string)?)(status, "You are <not> a member.") });

        var alert = page.QuerySelector("[role=alert]")!;
        Assert.Contains(cssClass, alert.ClassList);
        Assert.Equal(status.ToString(System.Globalization.CultureInfo.InvariantCulture), alert.GetAttribute("data-status"));
        Assert.Equal($"{heading} You are <not> a member.", alert.Text());
    }
}
