using System.Text.Json;
using System.Xml.Linq;
using LabelLoop.Jobs.Simulation;
using Xunit;

namespace LabelLoop.Jobs.Tests.Simulation;

public sealed class SimulationReportTests
{
    private static readonly CurvePoint[] Points =
    [
        new("random", 1, 10, 0.50, 1), new("random", 1, 20, 0.60, 1), new("random", 1, 30, 0.70, 1),
        new("random", 2, 10, 0.40, 1), new("random", 2, 20, 0.60, 1), new("random", 2, 30, 0.80, 1),
        new("margin", 1, 10, 0.50, 2), new("margin", 1, 20, 0.80, 2), new("margin", 1, 30, 0.85, 2),
        new("margin", 2, 10, 0.40, 2), new("margin", 2, 20, 0.70, 2), new("margin", 2, 30, 0.85, 8),
    ];

    private static SimulationResult Result => new(Points, new Dictionary<string, double> { ["random"] = 6, ["margin"] = 12 }, 100, 25);

    [Fact]
    public void Csv_has_the_contract_header_and_one_row_per_point_and_reads_back()
    {
        using var writer = new StringWriter();
        SimulationReport.WriteCsv(writer, Points[..2]);
        Assert.Equal("strategy,seed,labels,accuracy\nrandom,1,10,0.5000\nrandom,1,20,0.6000\n", writer.ToString());

        using var reader = new StringReader(writer.ToString());
        var back = SimulationReport.ReadCsv(reader);
        Assert.Equal([("random", 1, 10, 0.5), ("random", 1, 20, 0.6)], back.Select(p => (p.Strategy, p.Seed, p.Labels, p.Accuracy)));
        Assert.Throws<InvalidDataException>(() => SimulationReport.ReadCsv(new StringReader("a,b\n")));
    }

    [Fact]
    public void Summary_holds_accuracy_per_budget_labels_to_reach_random_area_and_wall_time()
    {
        using var json = JsonDocument.Parse(SimulationReport.SummaryToJson(Result, "test"));
        var margin = json.RootElement.GetProperty("strategies").GetProperty("margin");

        Assert.Equal(0.75, margin.GetProperty("accuracyAt").GetProperty("20").GetDouble(), 6);
        Assert.Equal(0.85, margin.GetProperty("accuracyAt").GetProperty("30").GetDouble(), 6);
        Assert.Equal(0.0707, margin.GetProperty("accuracyStdAt").GetProperty("20").GetDouble(), 4);
        // Random ends at 0.75; margin's mean curve reaches that at 20 labels, random itself at 30.
        Assert.Equal(20, margin.GetProperty("labelsToReachRandomFinal").GetInt32());
        Assert.Equal(30, json.RootElement.GetProperty("strategies").GetProperty("random").GetProperty("labelsToReachRandomFinal").GetInt32());
        // Trapezoids over 10..30 of 0.45, 0.75, 0.85, divided by the 20-label range.
        Assert.Equal(((0.45 + 0.75) / 2 * 10 + (0.75 + 0.85) / 2 * 10) / 20, margin.GetProperty("areaUnderCurve").GetDouble(), 4);
        Assert.Equal(12, margin.GetProperty("wallSeconds").GetDouble());
        // Five rounds of 2 s and one of 8 s.
        Assert.Equal(3, margin.GetProperty("meanRoundSeconds").GetDouble());
        Assert.Equal(2, margin.GetProperty("medianRoundSeconds").GetDouble());
        Assert.Equal(2, json.RootElement.GetProperty("seeds").GetInt32());
    }

    [Fact]
    public void A_strategy_that_never_reaches_random_has_no_label_count()
    {
        CurvePoint[] points = [new("random", 1, 10, 0.5, 1), new("random", 1, 20, 0.9, 1), new("entropy", 1, 10, 0.5, 1), new("entropy", 1, 20, 0.6, 1)];
        var summary = SimulationReport.Summarize(new SimulationResult(points, new Dictionary<string, double>(), 0, 0));
        Assert.Null(summary["entropy"].LabelsToReachRandomFinal);
    }

    [Fact]
    public void A_pretrained_curve_is_held_against_random_with_the_same_encoder()
    {
        CurvePoint[] points =
        [
            new("random", 1, 10, 0.4, 1), new("random", 1, 20, 0.6, 1),
            new("random@pretrained", 1, 10, 0.7, 1), new("random@pretrained", 1, 20, 0.8, 1),
            new("margin@pretrained", 1, 10, 0.7, 1), new("margin@pretrained", 1, 20, 0.75, 1),
            new("margin", 1, 10, 0.4, 1), new("margin", 1, 20, 0.65, 1),
        ];
        var summary = SimulationReport.Summarize(new SimulationResult(points, new Dictionary<string, double>(), 0, 0));

        // Against plain random (0.6) margin@pretrained would count as reached at 10 labels; against random@pretrained (0.8) it never is.
        Assert.Null(summary["margin@pretrained"].LabelsToReachRandomFinal);
        Assert.Equal(20, summary["random@pretrained"].LabelsToReachRandomFinal);
        Assert.Equal(20, summary["margin"].LabelsToReachRandomFinal);
    }

    [Fact]
    public void Svg_is_well_formed_with_a_line_and_band_per_strategy_axes_and_a_legend()
    {
        var svg = XDocument.Parse(SimulationReport.Svg(Points, "Fashion & co"));
        XNamespace ns = "http://www.w3.org/2000/svg";

        var curves = svg.Descendants(ns + "polyline").Where(e => (string?)e.Attribute("class") == "curve").ToList();
        Assert.Equal(["random", "margin"], curves.Select(c => (string?)c.Attribute("data-strategy")));
        Assert.All(curves, c => Assert.Equal(3, ((string)c.Attribute("points")!).Split(' ').Length));
        Assert.Equal(2, svg.Descendants(ns + "polygon").Count(e => (string?)e.Attribute("class") == "band"));
        Assert.Equal(["random", "margin"], svg.Descendants(ns + "text").Where(e => (string?)e.Attribute("class") == "legend").Select(e => e.Value));
        Assert.Contains(svg.Descendants(ns + "text"), t => t.Value == "labels");
        Assert.Contains(svg.Descendants(ns + "text"), t => t.Value == "Fashion & co");
        Assert.Contains(svg.Descendants(ns + "text"), t => t.Value.EndsWith('%'));
    }

    [Fact]
    public void Write_all_creates_the_three_files()
    {
        using var dir = new Testing.TempDirectory();
        SimulationReport.WriteAll(Path.Combine(dir.Path, "out"), Result, "t");
        Assert.True(File.Exists(Path.Combine(dir.Path, "out", "curves.csv")));
        Assert.True(File.Exists(Path.Combine(dir.Path, "out", "summary.json")));
        Assert.True(File.Exists(Path.Combine(dir.Path, "out", "curves.svg")));
    }
}
