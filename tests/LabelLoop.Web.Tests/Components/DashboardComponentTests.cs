using System.Text.Json;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Metrics;
using LabelLoop.Core.Strategies;
using LabelLoop.Data.Stats;
using LabelLoop.Jobs.Health;
using LabelLoop.Web.Components.Pages.Admin;
using LabelLoop.Web.Components.Pages.Dashboard;
using LabelLoop.Web.Components.Pages.Projects;
using Xunit;

namespace LabelLoop.Web.Tests.Components;

/// <summary>The dashboard's cards, tables and chart data, rendered by the framework's HtmlRenderer.</summary>
public sealed class DashboardComponentTests : IAsyncDisposable
{
    private static readonly DateTime Day = new(2026, 5, 31, 12, 0, 0, DateTimeKind.Utc);

    private readonly ComponentRenderer _renderer = new();

    public ValueTask DisposeAsync() => _renderer.DisposeAsync();

    private static ProjectOverview Overview(long items = 100, int? budget = 50) => new(
        7, "Birds",
        new StateCounts(items, Unlabeled: 60, Leased: 5, Labeled: 30, Skipped: 2, InReview: 3),
        [new LabelCount("crow", "#111111", 20), new LabelCount("\"owl\"</script><b>", "#222222", 10)],
        [new DayCount(new DateOnly(2026, 5, 30), 4), new DayCount(new DateOnly(2026, 5, 31), 9)],
        budget is { } b ? new BudgetStatus(b, 40, b - 40) : new BudgetStatus(null, 40, null),
        45, Day);

    private static JsonElement ChartData(AngleSharp.Dom.IDocument page, string id) =>
        JsonDocument.Parse(page.QuerySelector($"canvas#{id}")!.GetAttribute("data-chart")!).RootElement;

    [Fact]
    public async Task Overview_shows_items_by_state_and_the_budget_and_draws_its_charts()
    {
        var page = await _renderer.RenderAsync<OverviewPanel>(new Dictionary<string, object?> { ["Overview"] = Overview(), ["CanManage"] = true });

        Assert.Equal(
            new Dictionary<string, string> { ["unlabeled"] = "60", ["leased"] = "5", ["labeled"] = "30", ["skipped"] = "2", ["in-review"] = "3" },
            page.QuerySelectorAll("[data-state]").ToDictionary(e => e.GetAttribute("data-state")!, e => e.Text()));
        var budget = page.QuerySelector("[data-testid=budget-card]")!;
        Assert.Equal("10", budget.QuerySelector("[data-budget=remaining]")!.Text());
        Assert.Contains("of 50 labels left", budget.Text(), StringComparison.Ordinal);
        Assert.Equal("80", budget.QuerySelector("[role=progressbar]")!.GetAttribute("aria-valuenow"));

        // The donut is MudBlazor's SVG, drawn in the first response: a slice per state (all five are non-zero here).
        var states = page.QuerySelector("#chart-states")!;
        Assert.NotNull(states.QuerySelector("svg"));
        Assert.Equal(5, states.QuerySelectorAll("svg path").Length);
        Assert.Equal(["Unlabeled", "Leased", "Labeled", "Skipped", "In review"],
            DashboardCharts.StateNames.Where(name => states.Text().Contains(name, StringComparison.Ordinal)));
        var perDay = ChartData(page, "chart-per-day");
        Assert.Equal(["05-30", "05-31"], perDay.GetProperty("labels").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("Labels given", perDay.GetProperty("yTitle").GetString());
        Assert.Equal("Day (UTC)", perDay.GetProperty("xTitle").GetString());
    }

    [Fact]
    public async Task Chart_data_survives_markup_in_labels_as_plain_json()
    {
        var page = await _renderer.RenderAsync<OverviewPanel>(new Dictionary<string, object?> { ["Overview"] = Overview() });

        Assert.Empty(page.QuerySelectorAll("script"));
        Assert.Empty(page.QuerySelectorAll("b"));
        var distribution = ChartData(page, "chart-distribution");
        Assert.Equal(["crow", "\"owl\"</script><b>"], distribution.GetProperty("labels").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(["#111111", "#222222"], distribution.GetProperty("series")[0].GetProperty("colors").EnumerateArray().Select(v => v.GetString()));
    }

    [Fact]
    public async Task An_empty_project_says_what_to_do_and_a_project_without_budget_shows_labels_given()
    {
        var empty = await _renderer.RenderAsync<OverviewPanel>(new Dictionary<string, object?> { ["Overview"] = Overview(items: 0, budget: null), ["CanManage"] = true });

        Assert.Contains("Import", empty.QuerySelector("[data-testid=empty-overview]")!.Text(), StringComparison.Ordinal);
        Assert.Empty(empty.QuerySelectorAll("canvas"));
        Assert.Equal("40", empty.QuerySelector("[data-budget=used]")!.Text());
        Assert.Equal("/projects/7/dashboard/settings", empty.QuerySelector("[data-testid=budget-card] a")!.GetAttribute("href"));
    }

    [Fact]
    public void The_learning_curve_has_one_point_per_version_with_an_accuracy_in_percent()
    {
        var curve = new List<CurvePoint>
        {
            new(1, 20, 0.5, 4, null, "margin", false, Day),
            new(2, 40, null, null, null, "margin", false, Day),
            new(3, 80, 0.8125, 16, 0.97, "margin", true, Day),
        };

        var spec = DashboardCharts.LearningCurve(curve);

        Assert.True(spec.LinearX);
        Assert.Equal((0.0, 100.0), (spec.YMin!.Value, spec.YMax!.Value));
        Assert.Equal("Audit accuracy (%)", spec.YTitle);
        Assert.Equal([new ChartPoint(20, 50), new ChartPoint(80, 81.25)], spec.Series.Single().Points);
    }

    [Fact]
    public async Task Model_panel_shows_per_class_scores_the_confusion_matrix_and_links_uncertain_items()
    {
        var model = new ModelOverview(
            [new CurvePoint(1, 16, 0.75, 8, null, "margin", true, Day)],
            new CurrentModel(1, 16, "margin", 0.75, 8, Day,
                [new ClassMetrics("a", 0.75, 0.75, 0.75, 4), new ClassMetrics("b", null, 0, null, 4)],
                new ConfusionTable(["a", "b"], [[3, 1], [1, 3]])),
            new StoppingDecision(false, 0, null, "Predictions still change.", StopState.KeepGoing),
            new EncoderQuality(3, 1200, 20, 0.815, 0.84, 640, "ground truth", Day),
            EncoderAbsence.None,
            [new UncertainItem(42, 1, 0.987, "b", 0.51f, "some <i>text</i>")]);

        var page = await _renderer.RenderAsync<ModelPanel>(new Dictionary<string, object?> { ["Model"] = model, ["ProjectId"] = 7 });

        Assert.Equal(["3", "1", "1", "3"], page.QuerySelectorAll("[data-testid=confusion] tbody td").Select(td => td.Text()));
        Assert.Equal(["a", "b"], page.QuerySelectorAll("[data-testid=confusion] tbody th").Select(th => th.Text()));
        Assert.Equal(["a", "75.0 %", "75.0 %", "75.0 %", "4"], page.QuerySelectorAll("[data-testid=class-metrics] tr[data-label=a] td").Select(td => td.Text()));
        Assert.Equal("n/a", page.QuerySelectorAll("[data-testid=class-metrics] tr[data-label=b] td")[1].Text());
        Assert.Equal("KeepGoing", page.QuerySelector("[data-testid=stopping]")!.GetAttribute("data-state"));
        Assert.Null(page.QuerySelector("[data-testid=empty-encoder]"));
        var encoder = page.QuerySelector("[data-testid=encoder]")!.Text();
        Assert.Contains("encoder version 3", encoder, StringComparison.Ordinal);
        Assert.Contains("1,200 items for 20 epochs", encoder, StringComparison.Ordinal);
        Assert.Equal("81.5 %", page.QuerySelector("[data-testid=encoder-knn]")!.Text());
        Assert.Contains("linear probe 84.0 %, on 640 items with ground truth", encoder, StringComparison.Ordinal);
        Assert.Equal("/projects/7/items/42", page.QuerySelector("[data-testid=uncertain-link]")!.GetAttribute("href"));
        Assert.Empty(page.QuerySelectorAll("[data-testid=uncertain-items] i"));
        Assert.NotNull(page.QuerySelector("canvas#chart-curve"));
        // A model ranks the pool: the cold start is over and not mentioned.
        Assert.Null(page.QuerySelector("[data-testid=cold-start]"));
    }

    [Theory]
    [InlineData(12, "annotators get the pool's most typical items by this encoder first (12 still open)")]
    [InlineData(0, "the encoder's most typical items are all labeled")]
    public async Task Model_panel_before_the_first_model_says_the_encoders_typical_items_come_first(int open, string says)
    {
        var model = new ModelOverview([], null, StoppingSignal.Evaluate([]),
            new EncoderQuality(1, 8000, 20, null, null, null, null, Day, ColdStartOpen: open), EncoderAbsence.None, []);

        var page = await _renderer.RenderAsync<ModelPanel>(new Dictionary<string, object?> { ["Model"] = model, ["ProjectId"] = 7 });

        var coldStart = page.QuerySelector("[data-testid=cold-start]")!;
        Assert.Contains(says, coldStart.Text(), StringComparison.Ordinal);
        Assert.Equal(open.ToString(System.Globalization.CultureInfo.InvariantCulture), coldStart.GetAttribute("data-open"));
    }

    [Fact]
    public async Task Model_panel_without_a_model_has_empty_states_and_no_chart()
    {
        var model = new ModelOverview([], null, StoppingSignal.Evaluate([]), null, EncoderAbsence.NotYetPretrained, []);

        var page = await _renderer.RenderAsync<ModelPanel>(new Dictionary<string, object?> { ["Model"] = model, ["ProjectId"] = 7 });

        Assert.Contains("No model yet", page.QuerySelector("[data-testid=empty-curve]")!.Text(), StringComparison.Ordinal);
        Assert.NotNull(page.QuerySelector("[data-testid=empty-current]"));
        Assert.NotNull(page.QuerySelector("[data-testid=empty-uncertain]"));
        Assert.Empty(page.QuerySelectorAll("canvas"));
        Assert.StartsWith("No encoder yet", page.QuerySelector("[data-testid=empty-encoder]")!.Text(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(EncoderAbsence.PretrainingOff, "Pretraining is off in the settings")]
    [InlineData(EncoderAbsence.LinearTextModel, "This project trains the linear text model")]
    public async Task Model_panel_says_why_models_start_from_no_encoder(EncoderAbsence why, string says)
    {
        var model = new ModelOverview([], null, StoppingSignal.Evaluate([]), null, why, []);

        var page = await _renderer.RenderAsync<ModelPanel>(new Dictionary<string, object?> { ["Model"] = model, ["ProjectId"] = 7 });

        var empty = page.QuerySelector("[data-testid=empty-encoder]")!;
        Assert.StartsWith(says, empty.Text(), StringComparison.Ordinal);
        Assert.Equal(why.ToString(), empty.GetAttribute("data-reason"));
        Assert.Null(page.QuerySelector("[data-testid=encoder]"));
    }

    [Fact]
    public async Task Annotators_panel_lists_people_pairs_and_the_activity_chart()
    {
        var annotators = new AnnotatorStats(
            [new AnnotatorRow("u1", "ann@example.org", 120, 3, 4.5, 10, 0.9, 100, 0.8, Day), new AnnotatorRow("u2", "bob@example.org", 80, 0, null, 0, null, 0, null, null)],
            [new DateOnly(2026, 5, 30), new DateOnly(2026, 5, 31)],
            [new AnnotatorActivity("ann@example.org", [50, 73]), new AnnotatorActivity("bob@example.org", [30, 50])]);
        var agreement = new AgreementStats(25, 0.61, 0.62, [new PairAgreement("ann@example.org", "bob@example.org", 25, 0.8, 0.6)]);

        var page = await _renderer.RenderAsync<AnnotatorsPanel>(new Dictionary<string, object?> { ["Annotators"] = annotators, ["Agreement"] = agreement, ["ProjectId"] = 7 });

        var ann = page.QuerySelector("[data-annotator='ann@example.org']")!;
        Assert.Equal(("120", "3", "4.5 s"), (ann.QuerySelector("[data-col=labels]")!.Text(), ann.QuerySelector("[data-col=skips]")!.Text(), ann.QuerySelector("[data-col=median]")!.Text()));
        Assert.Equal("90.0 % (10)", ann.QuerySelector("[data-col=review]")!.Text());
        Assert.Equal("n/a (0)", page.QuerySelector("[data-annotator='bob@example.org'] [data-col=model]")!.Text());
        Assert.Equal(("0.61", "0.62"), (page.QuerySelector("[data-testid=fleiss]")!.Text(), page.QuerySelector("[data-testid=alpha]")!.Text()));
        Assert.Equal("0.60", page.QuerySelector("[data-testid=pair-table] [data-col=kappa]")!.Text());
        var activity = ChartData(page, "chart-activity");
        Assert.True(activity.GetProperty("stacked").GetBoolean());
        Assert.Equal(["ann@example.org", "bob@example.org"], activity.GetProperty("series").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal([50.0, 73], activity.GetProperty("series")[0].GetProperty("values").EnumerateArray().Select(v => v.GetDouble()));
    }

    [Fact]
    public async Task Without_overlap_the_agreement_section_says_how_to_get_it()
    {
        var page = await _renderer.RenderAsync<AnnotatorsPanel>(new Dictionary<string, object?>
        {
            ["Annotators"] = new AnnotatorStats([], [], []),
            ["Agreement"] = new AgreementStats(0, null, null, []),
        });

        Assert.NotNull(page.QuerySelector("[data-testid=empty-annotators]"));
        Assert.Contains("overlap of 2", page.QuerySelector("[data-testid=empty-agreement]")!.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_detailed_job_list_shows_node_duration_and_offers_cancel_or_retry_by_state()
    {
        var runs = new List<JobRunView>
        {
            new(3, 7, JobKind.Train, JobStatus.Running, 40, "epoch 2/5", null, "host/1", Day, Day, null),
            new(2, 7, JobKind.Train, JobStatus.Failed, 10, "Failed", "out of <memory>", "host/1", Day, Day, Day.AddSeconds(12.5)),
            new(1, 7, JobKind.Train, JobStatus.Succeeded, 100, "done", null, "host/2", Day, Day, Day.AddSeconds(3)),
        };

        var page = await _renderer.RenderAsync<JobList>(new Dictionary<string, object?>
        {
            ["ProjectId"] = 7,
            ["CanManage"] = true,
            ["Runs"] = runs,
            ["Detailed"] = true,
            ["Limit"] = 50,
        });

        var rows = page.QuerySelectorAll("[data-testid=job-run]").ToDictionary(r => r.GetAttribute("data-job-id")!);
        Assert.NotNull(rows["3"].QuerySelector("[data-testid=cancel-job]"));
        Assert.Equal("40", rows["3"].QuerySelector("[role=progressbar]")!.GetAttribute("aria-valuenow"));
        Assert.NotNull(rows["2"].QuerySelector("[data-testid=retry-job]"));
        Assert.Equal("out of <memory>", rows["2"].QuerySelector("[data-testid=job-error]")!.TextContent);
        Assert.Contains("(12.5 s)", rows["2"].QuerySelector("[data-testid=job-time]")!.Text(), StringComparison.Ordinal);
        Assert.Null(rows["1"].QuerySelector("[data-testid=retry-job]"));
        Assert.Equal("host/2", rows["1"].QuerySelector("[data-testid=job-node]")!.Text());
        Assert.Null(page.QuerySelector("#job-list")!.GetAttribute("hx-get"));
    }

    [Fact]
    public async Task Health_panel_warns_about_a_slow_blas()
    {
        var health = new InstanceHealth(
            new DatabaseHealth(true, "PostgreSQL 15.8 on x86_64, compiled by gcc", 0.8, 10 << 20, 0, null),
            new SchedulerHealth(false, "Created", null, true, 0, null, [], 1, 0, 0, null),
            new EngineHealth(true, null, "2.10.0", 2, 4.2, SlowBlas: true, "CPU, 2 threads (no GPU visible)", "Matrix products run at 4.2 GFLOP/s, below 30 GFLOP/s."));

        var page = await _renderer.RenderAsync<HealthPanel>(new Dictionary<string, object?> { ["Health"] = health });

        Assert.Contains("PostgreSQL 15.8", page.QuerySelector("[data-testid=health-database]")!.Text(), StringComparison.Ordinal);
        Assert.Contains("4.2 GFLOP/s", page.QuerySelector("[data-testid=blas-warning]")!.Text(), StringComparison.Ordinal);
        Assert.Equal("CPU, 2 threads (no GPU visible)", page.QuerySelector("[data-testid=engine-device]")!.Text());
        Assert.Equal("2.10.0", page.QuerySelector("[data-testid=engine-torch]")!.Text());
        Assert.Equal("2", page.QuerySelector("[data-testid=engine-threads]")!.Text());
        Assert.Contains("No scheduler node has checked in", page.QuerySelector("[data-testid=health-scheduler]")!.Text(), StringComparison.Ordinal);
    }
}
