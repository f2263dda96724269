using System.CommandLine;
using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Import;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Import;
using LabelLoop.Data.Projects;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace LabelLoop.Cli.Commands;

public static class ImportCommand
{
    public static Command Create()
    {
        var project = new Option<string>("--project") { Description = "Project name; created with --kind if it does not exist", Required = true };
        var kind = new Option<string>("--kind") { Description = "image or text", Required = true };
        kind.AcceptOnlyFromAmong("image", "text");
        var source = new Option<string>("--source")
        {
            Description = "A folder or .zip of images (ROOT/<label>/<file>, ROOT/unlabeled/..., or flat), or a .jsonl/.csv file or folder of them",
            Required = true,
        };
        var noNewLabels = new Option<bool>("--no-new-labels") { Description = "Treat labels missing from the project's label set as errors instead of adding them" };
        var command = new Command("import", "Import items into a project: all or nothing, idempotent by content hash") { project, kind, source, noNewLabels };
        command.SetAction((parse, cancellationToken) => CliHost.RunAsync(parse, async services =>
        {
            var projects = services.GetRequiredService<ProjectService>();
            var imports = services.GetRequiredService<ImportService>();
            var name = parse.GetValue(project)!;
            var wantedKind = parse.GetValue(kind) == "text" ? ProjectKind.Text : ProjectKind.Image;

            // The source is opened before the project is looked up or created, so a wrong path changes nothing.
            var path = parse.GetValue(source)!;
            OpenedImport opened;
            try
            {
                opened = OpenedImport.Open(path);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                await Console.Error.WriteLineAsync($"error: {ex.Message}");
                return ExitCodes.NotFound;
            }
            catch (InvalidDataException ex)
            {
                await Console.Error.WriteLineAsync($"error: {path}: {ex.Message}");
                return ExitCodes.InvalidInput;
            }
            ImportReport report;
            using (opened)
            {
                var (id, created) = await FindOrCreateAsync(projects, name, wantedKind, cancellationToken);
                report = await AnsiConsole.Progress().AutoClear(true).StartAsync(async ctx =>
                {
                    var task = ctx.AddTask("Validating", maxValue: Math.Max(1, opened.Listing.Entries.Count));
                    var progress = new Progress<ImportProgress>(p =>
                    {
                        task.Description = p.Stage;
                        task.Value = p.Processed;
                    });
                    var result = await imports.ImportAsync(id, opened.Listing, !parse.GetValue(noNewLabels), progress, cancellationToken);
                    task.Value = task.MaxValue;
                    return result;
                });
                if (!report.Succeeded && created)
                {
                    // All or nothing includes the project this command made for the import.
                    await projects.DeleteAsync(Caller.System, id, cancellationToken);
                }
            }
            if (!report.Succeeded)
            {
                await Console.Error.WriteLineAsync($"Nothing was imported: {report.Errors.Count} problem(s):");
                foreach (var error in report.Errors)
                {
                    await Console.Error.WriteLineAsync($"  {error}");
                }
                return ExitCodes.InvalidInput;
            }
            Console.WriteLine($"Imported {report.Added} item(s) into '{name}'; {report.AlreadyPresent} already present.");
            if (report.AugmentationNote is { } augmentation)
            {
                Console.WriteLine(augmentation);
            }
            if (report.DuplicatesNote is { } duplicates)
            {
                Console.WriteLine(duplicates);
            }
            if (report.LabelsAdded.Count > 0)
            {
                Console.WriteLine($"New labels: {string.Join(", ", report.LabelsAdded)}");
            }
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static async Task<(int Id, bool Created)> FindOrCreateAsync(ProjectService projects, string name, ProjectKind kind, CancellationToken cancellationToken)
    {
        try
        {
            var id = await projects.GetIdByNameAsync(name, cancellationToken);
            var existing = await projects.GetAsync(Caller.System, id, cancellationToken);
            if (existing.Kind != kind)
            {
                throw new DomainValidationException("kind", $"Project '{name}' holds {existing.Kind.ToString().ToLowerInvariant()} items, not {kind.ToString().ToLowerInvariant()}.");
            }
            return (id, false);
        }
        catch (NotFoundException)
        {
            return (await projects.CreateAsync(Caller.System, new ProjectInput(name, kind, []), cancellationToken), true);
        }
    }
}
