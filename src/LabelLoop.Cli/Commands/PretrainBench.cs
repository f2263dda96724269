using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LabelLoop.Core.Embeddings;
using LabelLoop.Core.Samples;
using LabelLoop.Jobs;
using LabelLoop.Jobs.Pretraining;
using LabelLoop.Ml;
using LabelLoop.Ml.TorchSharp;

namespace LabelLoop.Cli.Commands;

/// <summary>
/// <c>labelloop bench pretrain</c>: pretrains an encoder on the Fashion-MNIST sample pool (the 10,000 test-split
/// images, labels unused) with the job's settings, and reports its speed and how well its embeddings separate
/// the classes of held-out images (the first images of the training split) by k-NN and a linear probe, against a
/// freshly initialised encoder. The figures in bench/pretraining.md come from here.
/// </summary>
public static class PretrainBench
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var dataDir = new Option<string>("--fashion-dir") { Description = "Fashion-MNIST IDX files", DefaultValueFactory = _ => FashionMnist.DefaultDirectory };
        var epochs = new Option<int>("--epochs") { Description = "Pretraining epochs (the job's default when 0)", DefaultValueFactory = _ => 0 };
        var pool = new Option<int>("--pool") { Description = "Pool images (from the 10,000-image sample)", DefaultValueFactory = _ => 10_000 };
        var heldOut = new Option<int>("--held-out") { Description = "Labelled images to measure embeddings on", DefaultValueFactory = _ => 2_000 };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (all cores when 0)", DefaultValueFactory = _ => 0 };
        var output = new Option<string?>("--out") { Description = "Also write the figures as JSON to this file" };
        var command = new Command("pretrain", "Pretraining speed and embedding quality on the Fashion-MNIST sample (no server needed)")
        {
            dataDir, epochs, pool, heldOut, threads, output,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var directory = parse.GetValue(dataDir)!;
            if (!FashionMnist.IsAvailable(directory))
            {
                Console.Error.WriteLine($"error: no Fashion-MNIST files in {directory} (apt-get install dataset-fashion-mnist)");
                return Task.FromResult(ExitCodes.NotFound);
            }
            var settings = new JobsOptions();
            var engine = new TorchSharpEngine(new EngineOptions { Threads = parse.GetValue(threads) > 0 ? parse.GetValue(threads) : Environment.ProcessorCount });
            var size = settings.ImageSize;
            var poolCount = Math.Clamp(parse.GetValue(pool), 2, 10_000);
            var testCount = Math.Clamp(parse.GetValue(heldOut), 20, 60_000);

            var images = FashionMnist.Read(directory, full: true).ToList();
            var poolImages = images.Where(i => i.Split == "test").Take(poolCount).ToList();
            var testImages = images.Where(i => i.Split == "train").Take(testCount).ToList();
            var poolPixels = engine.DecodeImages([.. poolImages.Select(i => (ReadOnlyMemory<byte>)i.Png)], 1, size);
            var testPixels = engine.DecodeImages([.. testImages.Select(i => (ReadOnlyMemory<byte>)i.Png)], 1, size);
            var classes = FashionMnist.ClassNames.Count;
            var testLabels = testImages.Select(i => FashionMnist.ClassNames.ToList().IndexOf(i.Label)).ToArray();

            var spec = ModelSpec.ForImages(classes, 1, size) with { Width = settings.ModelWidth, Seed = 1 };
            var plan = new PretrainPlan(parse.GetValue(epochs) > 0 ? parse.GetValue(epochs) : settings.PretrainEpochs, settings.PretrainEpochsPerCheckpoint,
                new PretrainingOptions { BatchSize = settings.PretrainBatchSize, Seed = 1 });
            EngineModel created;
            try
            {
                created = engine.CreateModel(spec);
            }
            catch (ModelEngineException ex)
            {
                // For example libtorch cannot load on this machine.
                Console.Error.WriteLine($"error: the model engine cannot start: {ex.EngineMessage}");
                return Task.FromResult(ExitCodes.Environment);
            }
            using var scratch = created;
            var before = Quality(engine, scratch, testPixels, testLabels, classes);
            var clock = Stopwatch.StartNew();
            var outcome = EncoderPretrainer.Run(engine, spec, ModelBatch.FromPixels(poolPixels, poolImages.Count), plan, null,
                (done, total, loss) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"epoch {done}/{total}: loss {loss:F3}, {clock.Elapsed.TotalSeconds:F0} s")),
                cancellationToken);
            using var encoder = outcome.Model;
            var after = Quality(engine, encoder, testPixels, testLabels, classes);
            var figures = new
            {
                torch = engine.Info.TorchVersion,
                poolImages = poolImages.Count,
                heldOutImages = testImages.Count,
                epochs = outcome.Epochs,
                batchSize = plan.Options.BatchSize,
                threads = engine.Info.Threads,
                seconds = Math.Round(outcome.Seconds, 1),
                imagesPerSecond = Math.Round(outcome.ItemsPerSecond, 1),
                firstLoss = outcome.FirstLoss,
                finalLoss = outcome.FinalLoss,
                randomEncoder = new { knn = before.Knn, linearProbe = before.Probe },
                pretrainedEncoder = new { knn = after.Knn, linearProbe = after.Probe },
            };
            var json = JsonSerializer.Serialize(figures, Indented);
            Console.WriteLine(json);
            if (parse.GetValue(output) is { } path)
            {
                File.WriteAllText(path, json);
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static (double? Knn, double? Probe) Quality(TorchSharpEngine engine, EngineModel model, float[] pixels, int[] labels, int classes)
    {
        var embeddings = engine.Embed(model, ModelBatch.FromPixels(pixels, labels.Length));
        var dim = model.Spec.EmbeddingDim;
        var knn = EmbeddingQuality.KnnAccuracy(embeddings, dim, labels, classes);
        var probe = EmbeddingQuality.LinearProbeAccuracy(embeddings, dim, labels, classes);
        return (knn is null ? null : Math.Round(knn.Value, 4), probe is null ? null : Math.Round(probe.Value, 4));
    }
}
