using System.CommandLine;
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
        var format = new Option<string>("--format") { Description = "jsonl (one item per line with every annotation) or csv (flat)", DefaultValueFactory = _ => "jsonl" };
        format.AcceptOnlyFromAmong([.. ExportWriters.Formats]);
        var output = new Option<string>("--out") { Description = "File to write; replaced atomically when the export completes", Required = true };
        var labeledOnly = new Option<bool>("--labeled-only") { Description = "Only items with a final label" };
        var command = new Command("export", "Export a project's items, annotations and predictions") { project, format, output, labeledOnly };
        command.SetAction((parse, cancellationToken) => CliHost.RunAsync(parse, async services =>
        {
            var projects = services.GetRequiredService<ProjectService>();
            var exports = services.GetRequiredService<ExportService>();
            var id = await projects.GetIdByNameAsync(parse.GetValue(project)!, cancellationToken);
            var path = Path.GetFullPath(parse.GetValue(output)!);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temp = path + ".partial";
            long count;
            await using (var file = File.Create(temp))
            {
                await using var writer = ExportWriters.Create(parse.GetValue(format)!, file);
                count = await exports.ExportAsync(id, writer, new ExportFilter(LabeledOnly: parse.GetValue(labeledOnly)), cancellationToken);
            }
            File.Move(temp, path, overwrite: true);
            Console.WriteLine($"Exported {count} item(s) to {path}");
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }
}
