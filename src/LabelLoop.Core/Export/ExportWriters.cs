namespace LabelLoop.Core.Export;

/// <summary>Creates the writer for a format name, and says what a format's files are called.</summary>
public static class ExportWriters
{
    public const string Jsonl = "jsonl";
    public const string Csv = "csv";
    public const string Zip = "zip";

    public static IReadOnlyList<string> Formats { get; } = [Jsonl, Csv, Zip];

    public static bool IsKnown(string? format) => format is Jsonl or Csv or Zip;

    /// <summary>
    /// A writer for <paramref name="format"/> on <paramref name="output"/>. The zip format copies image bytes and needs
    /// <paramref name="openBlob"/> (blob hash to a readable stream, which the writer disposes).
    /// </summary>
    public static IExportWriter Create(string format, Stream output, Func<string, Stream>? openBlob = null) => format switch
    {
        Jsonl => new JsonlExportWriter(output),
        Csv => new CsvExportWriter(output),
        Zip => new ZipExportWriter(output, openBlob ?? throw new ArgumentException("The zip format needs a blob reader.", nameof(openBlob))),
        _ => throw new ArgumentException($"unknown export format '{format}'; expected one of: {string.Join(", ", Formats)}", nameof(format)),
    };

    public static string ContentType(string format) => format switch
    {
        Jsonl => "application/x-ndjson",
        Csv => "text/csv",
        Zip => "application/zip",
        _ => "application/octet-stream",
    };

    /// <summary>The file extension, with its dot.</summary>
    public static string Extension(string format) => "." + format;
}
