using System.CommandLine;
using System.Text.Json;
using LabelLoop.Core.Samples;
using Spectre.Console;

namespace LabelLoop.Cli.Commands;

public static class SamplesCommand
{
    public static Command Create()
    {
        var name = new Option<string>("--name") { Description = "fashion-mnist or fortune-topics", Required = true };
        name.AcceptOnlyFromAmong("fashion-mnist", "fortune-topics");
        var output = new Option<string>("--out") { Description = "Folder to write the dataset into", Required = true };
        var full = new Option<bool>("--full") { Description = "fashion-mnist: all 70,000 images instead of the 10,000-image test split" };
        var build = new Command("build", "Build a sample project's dataset from Debian's packages (dataset-fashion-mnist, fortunes)") { name, output, full };
        build.SetAction(async (parse, cancellationToken) =>
        {
            var outDir = parse.GetValue(output)!;
            var count = parse.GetValue(name) == "fashion-mnist"
                ? BuildFashionMnist(outDir, parse.GetValue(full))
                : await BuildFortuneTopicsAsync(outDir, cancellationToken);
            if (count < 0)
            {
                return ExitCodes.NotFound;
            }
            Console.WriteLine($"Wrote {count} item(s) to {Path.GetFullPath(outDir)}");
            return ExitCodes.Ok;
        });
        return new Command("samples", "Sample datasets") { build };
    }

    private static int BuildFashionMnist(string outDir, bool full)
    {
        if (!FashionMnist.IsAvailable(FashionMnist.DefaultDirectory))
        {
            Console.Error.WriteLine($"error: {FashionMnist.DefaultDirectory} has no Fashion-MNIST files; apt-get install dataset-fashion-mnist");
            return -1;
        }
        var count = 0;
        AnsiConsole.Progress().AutoClear(true).Start(ctx =>
        {
            var task = ctx.AddTask("Writing PNGs", maxValue: full ? 70_000 : 10_000);
            foreach (var image in FashionMnist.Read(FashionMnist.DefaultDirectory, full))
            {
                var dir = Path.Combine(outDir, image.Label);
                Directory.CreateDirectory(dir);
                File.WriteAllBytes(Path.Combine(dir, $"{image.Split}-{image.Index:D5}.png"), image.Png);
                count++;
                task.Increment(1);
            }
        });
        return count;
    }

    private static async Task<int> BuildFortuneTopicsAsync(string outDir, CancellationToken cancellationToken)
    {
        if (!FortuneTopics.IsAvailable(FortuneTopics.DefaultDirectory))
        {
            await Console.Error.WriteLineAsync($"error: {FortuneTopics.DefaultDirectory} lacks some topics; apt-get install fortunes");
            return -1;
        }
        Directory.CreateDirectory(outDir);
        var count = 0;
        await using var file = File.CreateText(Path.Combine(outDir, "fortune-topics.jsonl"));
        foreach (var quote in FortuneTopics.Read(FortuneTopics.DefaultDirectory))
        {
            await file.WriteLineAsync(JsonSerializer.Serialize(new { id = quote.Id, text = quote.Text, label = quote.Label }).AsMemory(), cancellationToken);
            count++;
        }
        return count;
    }
}
