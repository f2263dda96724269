using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LabelLoop.Core.Import;
using LabelLoop.Jobs.Training;
using LabelLoop.Ml.Text;

namespace LabelLoop.Cli.Commands;

/// <summary>
/// <c>labelloop bench topics</c>: the linear text model's per-round preparation on a text set in an import layout
/// (a JSONL or CSV file, or a folder of them): tokenizing, the hashed tf-idf features and the pool's latent topics
/// (<see cref="LatentTopics"/>), which a round of a text project on the linear model computes once. Prints the median
/// seconds of each part over the runs; the figures in bench/active-learning.md come from here.
/// </summary>
public static class TopicsBench
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Text set: a JSONL or CSV file, or a folder of them", Required = true };
        var runs = new Option<int>("--runs") { Description = "Timed runs (after one warm-up)", DefaultValueFactory = _ => 3 };
        var command = new Command("topics", "Speed of the linear text model's features and latent topics (no server needed)") { data, runs };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(data)!;
            if (!File.Exists(path) && !Directory.Exists(path))
            {
                Console.Error.WriteLine($"error: no file or folder {path}");
                return ExitCodes.NotFound;
            }
            List<string> texts;
            try
            {
                using var opened = OpenedImport.Open(path);
                var errors = new List<ImportError>(opened.Listing.Errors);
                texts = [.. new TextImportReader(new ImportLimits()).Read(opened.Listing.Entries, errors).Select(p => p.Candidate.Text ?? "")];
                if (errors.Count > 0 || texts.Count == 0)
                {
                    Console.Error.WriteLine(errors.Count > 0 ? $"error: {path}: {errors.Count} problem(s), first: {errors[0]}" : $"error: no texts in {path}");
                    return ExitCodes.InvalidInput;
                }
            }
            catch (InvalidDataException ex)
            {
                Console.Error.WriteLine($"error: {path}: {ex.Message}");
                return ExitCodes.InvalidInput;
            }
            var n = Math.Max(1, parse.GetValue(runs));
            var (tokenize, features, topics) = (new List<double>(), new List<double>(), new List<double>());
            var entries = 0;
            for (var run = 0; run <= n; run++)
            {
                var clock = Stopwatch.StartNew();
                var encoded = TextTokenizer.Build(texts).Encode(texts);
                var tokenized = clock.Elapsed.TotalSeconds;
                clock.Restart();
                var rows = SparseFeatures.HashedText(InputMatrix.OfTokens(encoded.Ids, encoded.MaxTokens, texts));
                var featured = clock.Elapsed.TotalSeconds;
                clock.Restart();
                _ = rows.Topics;
                if (run > 0)
                {
                    entries = rows.Values.Length;
                    tokenize.Add(tokenized);
                    features.Add(featured);
                    topics.Add(clock.Elapsed.TotalSeconds);
                }
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{texts.Count} texts, {entries} feature entries, {Environment.ProcessorCount} cores, median of {n}: tokenize {Median(tokenize):F2} s, features {Median(features):F2} s, {LatentTopics.Count} topics {Median(topics):F2} s"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
