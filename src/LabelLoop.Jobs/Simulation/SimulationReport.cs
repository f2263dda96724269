using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LabelLoop.Jobs.Simulation;

/// <summary>One strategy's figures in <c>summary.json</c>.</summary>
/// <param name="AccuracyAt">Mean accuracy over the seeds at each label count.</param>
/// <param name="AccuracyStdAt">Standard deviation over the seeds at each label count (0 for one seed).</param>
/// <param name="LabelsToReachRandomFinal">Fewest labels at which the mean curve reaches the final mean accuracy of random with the same encoder; null when it never does or that random did not run.</param>
/// <param name="AreaUnderCurve">Mean accuracy over the label range (trapezoids, normalised by the range).</param>
/// <param name="WallSeconds">Time spent on the strategy, all seeds.</param>
/// <param name="MeanRoundSeconds">Mean time of one round: retrain, score, select (measuring the test split is not counted).</param>
/// <param name="MedianRoundSeconds">The median of the same.</param>
public sealed record StrategySummary(
    IReadOnlyDictionary<int, double> AccuracyAt,
    IReadOnlyDictionary<int, double> AccuracyStdAt,
    int? LabelsToReachRandomFinal,
    double AreaUnderCurve,
    double WallSeconds,
    double MeanRoundSeconds,
    double MedianRoundSeconds);

/// <summary>The simulator's three files: <c>curves.csv</c>, <c>summary.json</c>, <c>curves.svg</c>.</summary>
public static class SimulationReport
{
    public const string CurvesCsv = "curves.csv";
    public const string SummaryJson = "summary.json";
    public const string CurvesSvg = "curves.svg";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Writes the three files into <paramref name="directory"/> (created if needed).</summary>
    public static void WriteAll(string directory, SimulationResult result, string title)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(directory);
        using (var csv = File.CreateText(Path.Combine(directory, CurvesCsv)))
        {
            WriteCsv(csv, result.Points);
        }
        File.WriteAllText(Path.Combine(directory, SummaryJson), SummaryToJson(result, title));
        File.WriteAllText(Path.Combine(directory, CurvesSvg), Svg(result.Points, title));
    }

    /// <summary><c>strategy,seed,labels,accuracy</c>, one row per measured point.</summary>
    public static void WriteCsv(TextWriter writer, IEnumerable<CurvePoint> points)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write("strategy,seed,labels,accuracy\n");
        foreach (var p in points)
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"{p.Strategy},{p.Seed},{p.Labels},{p.Accuracy:0.0000}\n"));
        }
    }

    /// <summary>Reads points back from <c>curves.csv</c> files (round times and wall times are not in them: 0).</summary>
    public static List<CurvePoint> ReadCsv(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var points = new List<CurvePoint>();
        var header = reader.ReadLine();
        if (header != "strategy,seed,labels,accuracy")
        {
            throw new InvalidDataException($"Not a curves.csv: the header is '{header}'.");
        }
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }
            var parts = line.Split(',');
            if (parts.Length != 4)
            {
                throw new InvalidDataException($"Not a curves.csv line: '{line}'.");
            }
            points.Add(new CurvePoint(parts[0], int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture),
                double.Parse(parts[3], CultureInfo.InvariantCulture), 0));
        }
        return points;
    }

    /// <summary>Per strategy, in the order they first appear.</summary>
    public static IReadOnlyDictionary<string, StrategySummary> Summarize(SimulationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var curves = MeanCurves(result.Points);
        var summary = new Dictionary<string, StrategySummary>(StringComparer.Ordinal);
        foreach (var (strategy, curve) in curves)
        {
            int? reach = null;
            if (RandomFinal(curves, strategy) is { } target)
            {
                // A hair of tolerance: accuracies are ratios over the same test set, printed to four places.
                reach = curve.FirstOrDefault(p => p.Mean >= target - 1e-9) is { } hit && hit.Labels > 0 ? hit.Labels : null;
            }
            var rounds = result.Points.Where(p => p.Strategy == strategy).ToList();
            summary[strategy] = new StrategySummary(
                curve.ToDictionary(p => p.Labels, p => Math.Round(p.Mean, 4)),
                curve.ToDictionary(p => p.Labels, p => Math.Round(p.Std, 4)),
                reach,
                Math.Round(Area(curve), 4),
                Math.Round(result.WallSeconds.GetValueOrDefault(strategy), 1),
                Math.Round(rounds.Count == 0 ? 0 : rounds.Average(p => p.RoundSeconds), 2),
                Math.Round(Median(rounds.Select(p => p.RoundSeconds)), 2));
        }
        return summary;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>
    /// Random's final mean accuracy with the same encoder as <paramref name="strategy"/>: a curve named
    /// <c>X@pretrained</c> is held against <c>random@pretrained</c>, a plain one against <c>random</c>.
    /// </summary>
    private static double? RandomFinal(Dictionary<string, List<(int Labels, double Mean, double Std, double Min, double Max)>> curves, string strategy)
    {
        var at = strategy.IndexOf('@', StringComparison.Ordinal);
        var reference = at < 0 ? "random" : "random" + strategy[at..];
        return curves.TryGetValue(reference, out var random) && random.Count > 0 ? random[^1].Mean : null;
    }

    public static string SummaryToJson(SimulationResult result, string title)
    {
        ArgumentNullException.ThrowIfNull(result);
        return JsonSerializer.Serialize(new
        {
            title,
            poolItems = result.PoolItems,
            testItems = result.TestItems,
            seeds = result.Points.Select(p => p.Seed).Distinct().Count(),
            strategies = Summarize(result),
        }, Json);
    }

    /// <summary>Mean and standard deviation over seeds per label count, per strategy.</summary>
    public static Dictionary<string, List<(int Labels, double Mean, double Std, double Min, double Max)>> MeanCurves(IEnumerable<CurvePoint> points)
    {
        var curves = new Dictionary<string, List<(int, double, double, double, double)>>(StringComparer.Ordinal);
        foreach (var group in points.GroupBy(p => p.Strategy))
        {
            curves[group.Key] = group.GroupBy(p => p.Labels).OrderBy(g => g.Key).Select(g =>
            {
                var values = g.Select(p => p.Accuracy).ToList();
                var mean = values.Average();
                var std = values.Count < 2 ? 0 : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
                return (g.Key, mean, std, values.Min(), values.Max());
            }).ToList();
        }
        return curves;
    }

    private static double Area(List<(int Labels, double Mean, double Std, double Min, double Max)> curve)
    {
        if (curve.Count == 0)
        {
            return 0;
        }
        if (curve.Count == 1)
        {
            return curve[0].Mean;
        }
        var area = 0.0;
        for (var i = 1; i < curve.Count; i++)
        {
            area += (curve[i].Labels - curve[i - 1].Labels) * (curve[i].Mean + curve[i - 1].Mean) / 2;
        }
        return area / (curve[^1].Labels - curve[0].Labels);
    }

    private static readonly string[] Palette =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39"];

    /// <summary>
    /// A self-contained SVG chart: accuracy against labels, one line per strategy (the mean over seeds) with a
    /// band from the lowest to the highest seed, axes with ticks, and a legend.
    /// </summary>
    public static string Svg(IEnumerable<CurvePoint> points, string title)
    {
        var curves = MeanCurves(points);
        const int width = 760, height = 440, left = 60, right = 190, top = 40, bottom = 50;
        var plotW = width - left - right;
        var plotH = height - top - bottom;
        var all = curves.Values.SelectMany(c => c).ToList();
        var xMin = all.Count == 0 ? 0 : all.Min(p => p.Labels);
        var xMax = all.Count == 0 ? 1 : Math.Max(xMin + 1, all.Max(p => p.Labels));
        var yMin = all.Count == 0 ? 0 : Math.Floor(all.Min(p => p.Min) * 10) / 10;
        var yMax = all.Count == 0 ? 1 : Math.Min(1, Math.Ceiling(all.Max(p => p.Max) * 10) / 10);
        if (yMax - yMin < 0.1)
        {
            yMax = Math.Min(1, yMin + 0.1);
            yMin = yMax - 0.1;
        }
        string X(double v) => F(left + ((v - xMin) / (xMax - xMin) * plotW));
        string Y(double v) => F(top + plotH - ((v - yMin) / (yMax - yMin) * plotH));

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"24\" font-size=\"15\" font-weight=\"bold\">{Escape(title)}</text>\n");
        // Grid and ticks.
        for (var i = 0; i <= 5; i++)
        {
            var yv = yMin + ((yMax - yMin) * i / 5);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{Y(yv)}\" x2=\"{left + plotW}\" y2=\"{Y(yv)}\" stroke=\"#e5e5e5\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{F(double.Parse(Y(yv), CultureInfo.InvariantCulture) + 4)}\" text-anchor=\"end\">{yv * 100:0}%</text>\n");
            var xv = xMin + ((xMax - xMin) * i / 5.0);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{X(xv)}\" y1=\"{top + plotH}\" x2=\"{X(xv)}\" y2=\"{top + plotH + 5}\" stroke=\"#333\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(xv)}\" y=\"{top + plotH + 18}\" text-anchor=\"middle\">{Math.Round(xv):0}</text>\n");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{top + plotH}\" stroke=\"#333\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{top + plotH}\" x2=\"{left + plotW}\" y2=\"{top + plotH}\" stroke=\"#333\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + (plotW / 2)}\" y=\"{height - 10}\" text-anchor=\"middle\">labels</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"16\" y=\"{top + (plotH / 2)}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {top + (plotH / 2)})\">test accuracy</text>\n");

        var index = 0;
        foreach (var (strategy, curve) in curves)
        {
            var color = Palette[index % Palette.Length];
            if (curve.Count > 1 && curve.Any(p => p.Max > p.Min))
            {
                var band = string.Join(" ", curve.Select(p => $"{X(p.Labels)},{Y(p.Max)}")
                    .Concat(curve.AsEnumerable().Reverse().Select(p => $"{X(p.Labels)},{Y(p.Min)}")));
                svg.Append(CultureInfo.InvariantCulture, $"<polygon class=\"band\" points=\"{band}\" fill=\"{color}\" fill-opacity=\"0.15\" stroke=\"none\"/>\n");
            }
            var line = string.Join(" ", curve.Select(p => $"{X(p.Labels)},{Y(p.Mean)}"));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline class=\"curve\" data-strategy=\"{Escape(strategy)}\" points=\"{line}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"/>\n");
            var ly = top + 10 + (index * 18);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left + plotW + 15}\" y1=\"{ly}\" x2=\"{left + plotW + 40}\" y2=\"{ly}\" stroke=\"{color}\" stroke-width=\"3\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"legend\" x=\"{left + plotW + 46}\" y=\"{ly + 4}\">{Escape(strategy)}</text>\n");
            index++;
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
