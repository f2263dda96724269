using System.Globalization;
using System.Text.Json;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Stats;

namespace LabelLoop.Web.Components.Pages.Dashboard;

/// <summary>Turns the stats service's records into chart specs: no arithmetic here beyond unit scaling.</summary>
public static class DashboardCharts
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public const string UnlabeledColor = "#adb5bd";
    public const string LeasedColor = "#0dcaf0";
    public const string LabeledColor = "#198754";
    public const string SkippedColor = "#6c757d";
    public const string InReviewColor = "#ffc107";

    public static string ToJson(ChartSpec spec) => JsonSerializer.Serialize(spec, Json);

    /// <summary>Items by state, for the overview's donut (a MudChart).</summary>
    public static double[] StateValues(StateCounts s) => [s.Unlabeled, s.Leased, s.Labeled, s.Skipped, s.InReview];

    /// <summary>The item states in the order of <see cref="StateValues"/>, and their colours.</summary>
    public static readonly string[] StateNames = ["Unlabeled", "Leased", "Labeled", "Skipped", "In review"];

    public static readonly string[] StateColors = [UnlabeledColor, LeasedColor, LabeledColor, SkippedColor, InReviewColor];

    /// <summary>Labeled items per final label, bars in each label's colour.</summary>
    public static ChartSpec LabelDistribution(IReadOnlyList<LabelCount> labels) => new("bar", "Final label", "Labeled items",
        labels.Select(l => l.Label).ToList(),
        [new ChartSeries("Labeled items", labels.Select(l => (double)l.Items).ToList(), null, labels.Select(l => l.Color).ToList())]);

    /// <summary>Labels given per UTC day.</summary>
    public static ChartSpec LabelsPerDay(IReadOnlyList<DayCount> days) => new("bar", "Day (UTC)", "Labels given",
        days.Select(d => Day(d.Day)).ToList(),
        [new ChartSeries("Labels", days.Select(d => (double)d.Count).ToList(), null, [LabeledColor])]);

    /// <summary>
    /// Audit accuracy (percent) against labels, one point per model version that recorded it. The random-sampling
    /// curve joins it when a simulation of the project exists.
    /// </summary>
    public static ChartSpec LearningCurve(IReadOnlyList<CurvePoint> curve) => new("line", "Labels the version was trained on", "Audit accuracy (%)",
        null,
        [new ChartSeries("Audit accuracy", null, curve.Where(c => c.AuditAccuracy is not null)
            .Select(c => new ChartPoint(c.Labels, Math.Round(c.AuditAccuracy!.Value * 100, 2))).ToList(), ["#0d6efd"])],
        LinearX: true, YMin: 0, YMax: 100);

    /// <summary>Annotations (labels and skips) per annotator per UTC day, stacked.</summary>
    public static ChartSpec Activity(AnnotatorStats stats) => new("bar", "Day (UTC)", "Annotations (labels and skips)",
        stats.Days.Select(Day).ToList(),
        stats.Activity.Select((a, i) => new ChartSeries(a.Email, a.PerDay.Select(n => (double)n).ToList(), null, [ProjectRules.DefaultColor(i)])).ToList(),
        Stacked: true);

    private static string Day(DateOnly day) => day.ToString("MM-dd", CultureInfo.InvariantCulture);
}
