namespace LabelLoop.Core.Export;

/// <summary>Creates the writer for a format name.</summary>
public static class ExportWriters
{
    public static IReadOnlyList<string> Formats { get; } = ["jsonl", "csv"];

    public static IExportWriter Create(string format, Stream output) => format switch
    {
        "jsonl" => new JsonlExportWriter(output),
        "csv" => new CsvExportWriter(output),
        _ => throw new ArgumentException($"unknown export format '{format}'; expected one of: {string.Join(", ", Formats)}", nameof(format)),
    };
}
