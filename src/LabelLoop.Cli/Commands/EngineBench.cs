using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LabelLoop.Core.Samples;
using LabelLoop.Ml;
using LabelLoop.Ml.TorchSharp;

namespace LabelLoop.Cli.Commands;

/// <summary>
/// <c>labelloop bench engine</c>: the model engine's own speed and memory, one part per process so each part's
/// peak memory is its own. <c>score</c> scores a generated pool with a committee of freshly created image members,
/// as the scoring step of a round does; <c>train</c> trains one member on Fashion-MNIST sample images with a
/// round's options. Both print one JSON object; bench/engine/speed.sh repeats them and takes medians.
/// </summary>
public static class EngineBench
{
    public static Command Create()
    {
        var part = new Option<string>("--part") { Description = "score or train", DefaultValueFactory = _ => "score" };
        part.AcceptOnlyFromAmong("score", "train");
        var pool = new Option<int>("--pool") { Description = "score: pool images", DefaultValueFactory = _ => 60_000 };
        var members = new Option<int>("--members") { Description = "score: committee members", DefaultValueFactory = _ => 5 };
        var items = new Option<int>("--items") { Description = "train: labelled images (from the sample)", DefaultValueFactory = _ => 2_000 };
        var epochs = new Option<int>("--epochs") { Description = "train: epochs", DefaultValueFactory = _ => 10 };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (all cores when 0)", DefaultValueFactory = _ => 0 };
        var dedicated = new Option<bool>("--dedicated") { Description = "Wait as a dedicated worker does (idle threads spin about a millisecond before sleeping)" };
        var fashionDir = new Option<string>("--fashion-dir") { Description = "Fashion-MNIST IDX files", DefaultValueFactory = _ => FashionMnist.DefaultDirectory };
        var command = new Command("engine", "Committee scoring and training throughput and peak memory of the model engine (no server needed)")
        {
            part, pool, members, items, epochs, threads, dedicated, fashionDir,
        };
        command.SetAction(parse =>
        {
            var engine = new TorchSharpEngine(new EngineOptions
            {
                Threads = parse.GetValue(threads) > 0 ? parse.GetValue(threads) : Environment.ProcessorCount,
                Device = ModelDevice.Cpu,
                DedicatedCores = parse.GetValue(dedicated),
            });
            var figures = parse.GetValue(part) == "score"
                ? Score(engine, parse.GetValue(pool), parse.GetValue(members))
                : Train(engine, parse.GetValue(fashionDir)!, parse.GetValue(items), parse.GetValue(epochs));
            if (figures is null)
            {
                return ExitCodes.NotFound;
            }
            figures["torch"] = engine.Info.TorchVersion ?? "";
            figures["dedicated"] = parse.GetValue(dedicated);
            figures["threads"] = engine.Info.Threads;
            figures["peakRssMiB"] = PeakResidentMiB();
            Console.WriteLine(JsonSerializer.Serialize(figures));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Dictionary<string, object>? Score(TorchSharpEngine engine, int poolItems, int memberCount)
    {
        var committee = Enumerable.Range(1, Math.Max(1, memberCount))
            .Select(seed => engine.CreateModel(ModelSpec.ForImages(classes: 10, seed: seed))).ToList();
        try
        {
            var spec = committee[0].Spec;
            var pixels = GeneratedPool((long)poolItems * spec.ValuesPerItem);
            var batch = ModelBatch.FromPixels(pixels, poolItems);
            var warmUp = Math.Min(512, poolItems);
            foreach (var member in committee)
            {
                engine.PredictProbabilities(member, ModelBatch.FromPixels(pixels.AsMemory(0, warmUp * spec.ValuesPerItem), warmUp));
            }

            var checksum = 0.0;
            var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            foreach (var member in committee)
            {
                var probabilities = engine.PredictProbabilities(member, batch);
                for (var i = 0; i < poolItems; i++)
                {
                    checksum += probabilities[i * spec.Classes];
                }
            }
            clock.Stop();
            return new Dictionary<string, object>
            {
                ["part"] = "score",
                ["poolImages"] = poolItems,
                ["members"] = committee.Count,
                ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 2),
                ["poolImagesPerSecond"] = Math.Round(poolItems / clock.Elapsed.TotalSeconds, 1),
                ["checksum"] = Math.Round(checksum, 4),
                ["cpuSeconds"] = CpuSecondsSince(cpuStart),
            };
        }
        finally
        {
            committee.ForEach(m => m.Dispose());
        }
    }

    private static Dictionary<string, object>? Train(TorchSharpEngine engine, string fashionDir, int itemCount, int epochs)
    {
        if (!FashionMnist.IsAvailable(fashionDir))
        {
            Console.Error.WriteLine($"error: no Fashion-MNIST files in {fashionDir} (apt-get install dataset-fashion-mnist)");
            return null;
        }
        var images = FashionMnist.Read(fashionDir, full: false).Take(Math.Max(64, itemCount)).ToList();
        var classNames = FashionMnist.ClassNames.ToList();
        var labels = images.Select(i => classNames.IndexOf(i.Label)).ToArray();
        var spec = ModelSpec.ForImages(classes: classNames.Count, seed: 1);
        var pixels = engine.DecodeImages([.. images.Select(i => (ReadOnlyMemory<byte>)i.Png)], spec.Channels, spec.ImageSize);
        var batch = ModelBatch.FromPixels(pixels, images.Count);
        // A round's options (ActiveLearningRound): no validation split, the default augmentations.
        var options = new TrainingOptions { Epochs = epochs, ValidationFraction = 0, Patience = 0, Seed = 1 };

        using (var warm = engine.CreateModel(spec))
        {
            var few = Math.Min(256, images.Count);
            engine.Train(warm, ModelBatch.FromPixels(pixels.AsMemory(0, few * spec.ValuesPerItem), few), labels.AsMemory(0, few), options with { Epochs = 1 });
        }

        using var model = engine.CreateModel(spec);
        var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var result = engine.Train(model, batch, labels, options);
        clock.Stop();
        return new Dictionary<string, object>
        {
            ["part"] = "train",
            ["images"] = images.Count,
            ["epochs"] = result.EpochsRun,
            ["batchSize"] = options.BatchSize,
            ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 2),
            ["imagesPerSecond"] = Math.Round((double)result.EpochsRun * images.Count / clock.Elapsed.TotalSeconds, 1),
            ["finalLoss"] = Math.Round(result.FinalTrainLoss, 4),
            ["cpuSeconds"] = CpuSecondsSince(cpuStart),
        };
    }

    /// <summary>CPU time of all the process's threads since <paramref name="start"/>: the timed step's work.</summary>
    private static double CpuSecondsSince(TimeSpan start)
        => Math.Round((Process.GetCurrentProcess().TotalProcessorTime - start).TotalSeconds, 2);

    /// <summary>Uniform pixel values from a 64-bit LCG, the same pool on every engine and run.</summary>
    private static float[] GeneratedPool(long count)
    {
        var pool = new float[count];
        var state = 20240601UL;
        for (long i = 0; i < count; i++)
        {
            state = unchecked((state * 6364136223846793005UL) + 1442695040888963407UL);
            pool[i] = (state >> 40) / 16777216.0f;
        }
        return pool;
    }

    /// <summary>The process's peak resident set (VmHWM), in MiB; 0 where /proc is not there.</summary>
    private static double PeakResidentMiB()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
        {
            return 0;
        }
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        var kib = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return kib is null ? 0 : Math.Round(double.Parse(kib, CultureInfo.InvariantCulture) / 1024, 1);
    }
}
