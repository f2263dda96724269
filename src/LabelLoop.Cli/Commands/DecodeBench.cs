using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LabelLoop.Ml;

namespace LabelLoop.Cli.Commands;

/// <summary>
/// <c>labelloop bench decode</c>: decodes every image under a folder (the Fashion-MNIST sample that
/// <c>labelloop samples build</c> writes) as one batch with the decoder imports and training use (SkiaSharp); prints
/// images per second, the median of the runs. The figures in bench/engine.md come from here.
/// </summary>
public static class DecodeBench
{
    private static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase) { ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp" };

    public static Command Create()
    {
        var dir = new Option<string>("--dir") { Description = "Folder of images (searched recursively)", Required = true };
        var channels = new Option<int>("--channels") { Description = "1 (grey) or 3 (RGB)", DefaultValueFactory = _ => 1 };
        var size = new Option<int>("--size") { Description = "Side of the square output", DefaultValueFactory = _ => 28 };
        var runs = new Option<int>("--runs") { Description = "Timed runs (after one warm-up)", DefaultValueFactory = _ => 3 };
        var command = new Command("decode", "Image decoding speed of the SkiaSharp decoder (no server needed)") { dir, channels, size, runs };
        command.SetAction(parse =>
        {
            var folder = parse.GetValue(dir)!;
            if (!Directory.Exists(folder))
            {
                Console.Error.WriteLine($"error: no folder {folder}");
                return ExitCodes.NotFound;
            }
            var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Where(f => Extensions.Contains(Path.GetExtension(f))).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
            if (files.Count == 0)
            {
                Console.Error.WriteLine($"error: no images under {folder}");
                return ExitCodes.NotFound;
            }
            var data = files.SelectMany(f => f).ToArray();
            var lengths = files.Select(f => (long)f.Length).ToArray();
            var (c, s, n) = (parse.GetValue(channels), parse.GetValue(size), Math.Max(1, parse.GetValue(runs)));
            var output = new float[(long)files.Count * c * s * s];
            Console.WriteLine($"{files.Count} images ({data.Length} bytes) -> {c}x{s}x{s}, {Environment.ProcessorCount} cores, median of {n}");
            Report("managed (SkiaSharp)", Measure(() => ImageDecoder.Decode(data, lengths, c, s, output), files.Count, n));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static double Measure(Action decode, int images, int runs)
    {
        decode();
        var rates = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            var clock = Stopwatch.StartNew();
            decode();
            rates.Add(images / clock.Elapsed.TotalSeconds);
        }
        rates.Sort();
        return rates[rates.Count / 2];
    }

    private static void Report(string decoder, double imagesPerSecond) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{decoder}: {imagesPerSecond:F0} images/s"));
}
