using System.CommandLine;
using System.Globalization;
using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Export;
using LabelLoop.Data.Export;
using LabelLoop.Data.Projects;
using Microsoft.Extensions.DependencyInjection;

namespace LabelLoop.Cli.Commands;

public static class ExportCommand
{
    public static Command Create()
    {
        var project = new Option<string>("--project") { Description = "Project name", Required = true };
        var format = new Option<string>("--format")
        {
            Description = "jsonl (one item per line with every annotation and the active model's prediction), csv (flat), "
                + "or zip (image projects: <label>/<id>_<file>.png per labeled item; unlabeled items are left out)",
            DefaultValueFactory = _ => ExportWriters.Jsonl,
        };
        format.AcceptOnlyFromAmong([.. ExportWriters.Formats]);
        var output = new Option<string>("--out") { Description = "File to write; replaced atomically when the export completes", Required = true };
        var labeledOnly = new Option<bool>("--labeled-only") { Description = "Only items with a final label" };
        var label = new Option<string?>("--label") { Description = "Only items whose final label is this" };
        var since = new Option<string?>("--since") { Description = "Only items with an annotation at or after this time (ISO 8601, UTC unless it says otherwise)" };
        var until = new Option<string?>("--until") { Description = "Only items with an annotation before this time (ISO 8601)" };
        var command = new Command("export", "Export a project's items, annotations and predictions (streamed: memory stays flat for any size)")
        {
            project, format, output, labeledOnly, label, since, until,
        };
        command.SetAction((parse, cancellationToken) => CliHost.RunAsync(parse, async services =>
        {
            var filter = new ExportFilter(parse.GetValue(labeledOnly), parse.GetValue(label),
                ParseTime("--since", parse.GetValue(since)), ParseTime("--until", parse.GetValue(until)));
            var projects = services.GetRequiredService<ProjectService>();
            var exports = services.GetRequiredService<ExportService>();
            var id = await projects.GetIdByNameAsync(parse.GetValue(project)!, cancellationToken);
            var path = Path.GetFullPath(parse.GetValue(output)!);
            // The command runs on the server's own files and database: it exports as the instance, with everything.
            var result = await exports.WriteFileAsync(Caller.System, id, parse.GetValue(format)!, filter, path, null, cancellationToken);
            Console.WriteLine($"Exported {result.Items} item(s) to {path}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.Bytes} bytes, SHA-256 {result.Sha256}"));
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static DateTime? ParseTime(string option, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value.UtcDateTime
            : throw new DomainValidationException(option, $"'{text}' is not a date or time (use ISO 8601, e.g. 2026-01-31 or 2026-01-31T12:00:00Z).");
    }
}
