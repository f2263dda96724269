namespace LabelLoop.Web.Components.Pages.Dashboard;

/// <summary>
/// What <c>wwwroot/js/dashboard.js</c> draws with Chart.js: rendered into the page as JSON in a data attribute
/// (attribute-encoded by Razor), so no script is generated from data.
/// </summary>
/// <param name="Type">Chart.js type: bar, line or doughnut.</param>
/// <param name="XTitle">X axis title, with its unit.</param>
/// <param name="YTitle">Y axis title, with its unit.</param>
/// <param name="Labels">Category labels of the x axis (bar, doughnut); null when series carry x values.</param>
/// <param name="LinearX">Series carry (x, y) points on a numeric x axis.</param>
public sealed record ChartSpec(
    string Type,
    string XTitle,
    string YTitle,
    IReadOnlyList<string>? Labels,
    IReadOnlyList<ChartSeries> Series,
    bool Stacked = false,
    bool LinearX = false,
    double? YMin = null,
    double? YMax = null);

/// <summary>One data set: values per category, or (x, y) points; one colour, or one per value.</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<double>? Values, IReadOnlyList<ChartPoint>? Points, IReadOnlyList<string> Colors);

public sealed record ChartPoint(double X, double Y);
