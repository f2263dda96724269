using System.Diagnostics;
using LabelLoop.Ml.TorchSharp;
using TorchSharp;

namespace LabelLoop.Ml.Tests;

/// <summary>What only the TorchSharp engine needs proving: that libtorch loads, that memory stays flat, and its checkpoint header.</summary>
public sealed class TorchSharpEngineTests(TrainedImageModel trained) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ll-sharp-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_library_loads_and_info_describes_it()
    {
        var info = trained.Engine.Info;

        Assert.True(info.EngineAvailable, info.UnavailableReason);
        Assert.StartsWith("2.10", info.TorchVersion, StringComparison.Ordinal);
        Assert.StartsWith("0.107", info.TorchSharpVersion, StringComparison.Ordinal);
        Assert.True(File.Exists(info.LibraryPath));
        Assert.Equal(TrainedImageModel.Options.Threads, info.Threads);
        Assert.Equal(info.BlasGflops < EngineInfo.SlowBlasThresholdGflops, info.SlowBlas);
        Assert.True(info.BlasGflops > 0);
        Assert.Equal(torch.cuda.is_available(), info.CudaAvailable);
        using var model = trained.Engine.CreateModel(TestData.ImageSpec());
        Assert.Equal(trained.TestBatch.Count * TestData.ImageClasses, trained.Engine.PredictProbabilities(model, trained.TestBatch).Length);
    }

    [Fact]
    public void The_same_seed_gives_the_same_initial_weights()
    {
        var engine = trained.Engine;
        using var first = engine.CreateModel(TestData.ImageSpec(seed: 5));
        using var second = engine.CreateModel(TestData.ImageSpec(seed: 5));
        using var other = engine.CreateModel(TestData.ImageSpec(seed: 6));

        Assert.Equal(engine.Embed(first, trained.TestBatch), engine.Embed(second, trained.TestBatch));
        Assert.NotEqual(engine.Embed(first, trained.TestBatch), engine.Embed(other, trained.TestBatch));
    }

    [Fact]
    public void Cancellation_stops_training_within_a_second_and_keeps_the_weights()
    {
        var engine = trained.Engine;
        var (pixels, labels) = TestData.Quadrants(4000, 9);
        using var model = engine.CreateModel(TestData.ImageSpec(seed: 31));
        var before = engine.PredictProbabilities(model, trained.TestBatch);
        using var cancellation = new CancellationTokenSource();
        var cancelledAt = TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        cancellation.CancelAfter(TimeSpan.FromSeconds(1));
        using var registration = cancellation.Token.Register(() => cancelledAt = clock.Elapsed);

        Assert.ThrowsAny<OperationCanceledException>(() => engine.Train(
            model, ModelBatch.FromPixels(pixels, 4000), labels, TestData.QuickTraining(epochs: 500), cancellationToken: cancellation.Token));

        Assert.True(clock.Elapsed - cancelledAt < TimeSpan.FromSeconds(1), $"training stopped {clock.Elapsed - cancelledAt} after the cancel");
        Assert.Equal(before, engine.PredictProbabilities(model, trained.TestBatch));
    }

    [Fact]
    public void A_chunked_pretraining_run_continues_its_head_and_a_loaded_model_starts_afresh()
    {
        var engine = trained.Engine;
        var batch = ModelBatch.FromPixels(trained.Train.Pixels, 400);
        var options = new PretrainingOptions { Epochs = 1, TotalEpochs = 2, BatchSize = 64, ProjectionDim = 16, Seed = 3 };
        using var model = engine.CreateModel(TestData.ImageSpec(seed: 44));

        engine.Pretrain(model, batch, options, cancellationToken: TestContext.Current.CancellationToken);
        var second = engine.Pretrain(model, batch, options with { FirstEpoch = 2 }, cancellationToken: TestContext.Current.CancellationToken);
        var path = Path.Combine(_directory, "pretrained.llm");
        engine.SaveModel(model, path);
        using var loaded = engine.LoadModel(path, TestData.ImageSpec(seed: 44));

        Assert.Equal(1, second.EpochsRun);
        Assert.Null(((TorchSharpModel)loaded).Pretext);
        Assert.NotNull(((TorchSharpModel)model).Pretext);
        Assert.Equal(engine.Embed(model, batch), engine.Embed(loaded, batch));
    }

    [Theory]
    [InlineData(ModelKind.TextConv)]
    [InlineData(ModelKind.TextTransformer)]
    public void Masked_token_pretraining_lowers_its_loss_and_leaves_the_head(ModelKind kind)
    {
        var engine = trained.Engine;
        var (texts, _) = TestData.Topics(300, 5);
        var tokenizer = Text.TextTokenizer.Build(texts, new Text.TokenizerOptions { MinCount = 2, MaxTokens = 16, HashBuckets = 32 }, cancellationToken: TestContext.Current.CancellationToken);
        var batch = ModelBatch.FromTokens(tokenizer.Encode(texts, cancellationToken: TestContext.Current.CancellationToken));
        using var model = engine.CreateModel(ModelSpec.ForText(2, tokenizer, kind) with { Width = 32, EmbeddingDim = 32 });
        var head = ((TorchSharpModel)model).Net.Fc2.weight!.clone();

        var result = engine.Pretrain(model, batch, new PretrainingOptions { Epochs = 6, BatchSize = 32, LearningRate = 3e-3f, Seed = 2 }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(6, result.EpochsRun);
        Assert.True(result.FinalLoss < result.FirstLoss, $"loss {result.FirstLoss} -> {result.FinalLoss}");
        using var same = head.eq(((TorchSharpModel)model).Net.Fc2.weight!).all();
        Assert.True(same.item<bool>());
        head.Dispose();
    }

    [Fact]
    public void A_checkpoint_of_the_earlier_cxx_engine_fails_with_a_clear_message()
    {
        var e = LoadTampered(bytes => "LLMODEL\0"u8.CopyTo(bytes));

        Assert.Equal(EngineStatus.IoError, e.Status);
        Assert.Contains("C++ engine of an earlier LabelLoop version", e.EngineMessage, StringComparison.Ordinal);
        Assert.Contains("train the project again", e.EngineMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_checkpoint_of_another_architecture_revision_fails_clearly()
    {
        var e = LoadTampered(bytes => bytes[12] = 7);
        // Revision 1 pooled the image encoder's last map to one value per channel: its weights do not fit.
        var old = LoadTampered(bytes => bytes[12] = 1);

        Assert.Contains("image-cnn model of architecture revision 7; this library builds revision 2", e.EngineMessage, StringComparison.Ordinal);
        Assert.Contains("image-cnn model of architecture revision 1; this library builds revision 2", old.EngineMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Corrupt_weights_fail_their_checksum()
    {
        var e = LoadTampered(bytes => bytes[^10] ^= 0x5A);

        Assert.Equal(EngineStatus.IoError, e.Status);
        Assert.Contains("fail their checksum", e.EngineMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Saving_into_a_missing_folder_is_an_io_error_and_leaves_nothing_behind()
    {
        var path = Path.Combine(_directory, "no-such-folder", "model.llm");

        var e = Assert.Throws<ModelEngineException>(() => trained.Engine.SaveModel(trained.Model, path));

        Assert.Equal(EngineStatus.IoError, e.Status);
        Assert.Contains("cannot write checkpoint", e.EngineMessage, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));
    }

    [Fact]
    public void A_model_of_the_other_engine_is_refused()
    {
        using var other = new FakeModel();

        Assert.Throws<ArgumentException>(() => trained.Engine.PredictProbabilities(other, trained.TestBatch));
    }

    /// <summary>Saves the trained model, changes the file's bytes with <paramref name="tamper"/>, and returns the load's failure.</summary>
    private ModelEngineException LoadTampered(Action<byte[]> tamper)
    {
        var path = Path.Combine(_directory, "tampered.llm");
        trained.Engine.SaveModel(trained.Model, path);
        var bytes = File.ReadAllBytes(path);
        tamper(bytes);
        File.WriteAllBytes(path, bytes);
        return Assert.Throws<ModelEngineException>(() => trained.Engine.LoadModel(path));
    }

    private sealed class FakeModel : EngineModel
    {
        public override ModelSpec Spec => TestData.ImageSpec();
    }
}

/// <summary>Runs alone, so that the resident memory it watches is its own.</summary>
[CollectionDefinition(nameof(MemoryCollection), DisableParallelization = true)]
public sealed class MemoryCollection;

[Collection(nameof(MemoryCollection))]
public sealed class TorchSharpMemoryTests(TrainedImageModel trained)
{
    [Fact]
    public void Fifty_training_rounds_keep_native_memory_flat()
    {
        var engine = trained.Engine;
        var batch = ModelBatch.FromPixels(trained.Train.Pixels, 400);
        var options = TestData.QuickTraining(epochs: 1) with { Augmentations = ImageAugmentations.Default | ImageAugmentations.HorizontalFlip };
        var statistics = DisposeScopeManager.Statistics;
        long liveAfterWarmUp = 0;
        long liveAtEnd = 0;
        long rssAfterWarmUp = 0;
        long rssAtEnd = 0;

        for (var round = 1; round <= 50; round++)
        {
            using var model = engine.CreateModel(TestData.ImageSpec(seed: round));
            engine.Train(model, batch, trained.Train.Labels, options, cancellationToken: TestContext.Current.CancellationToken);
            engine.PredictProbabilities(model, trained.TestBatch);
            engine.PredictMonteCarlo(model, trained.TestBatch, passes: 3, seed: round);
            engine.Embed(model, trained.TestBatch);
            if (round == 10)
            {
                liveAfterWarmUp = statistics.ThreadTotalLiveCount;
                rssAfterWarmUp = Rss();
            }
            else if (round == 50)
            {
                liveAtEnd = statistics.ThreadTotalLiveCount;
                rssAtEnd = Rss();
            }
        }

        // Every tensor of a round is released with its scope or its model: none waits for the finalizer.
        Assert.Equal(liveAfterWarmUp, liveAtEnd);
        var growth = rssAtEnd - rssAfterWarmUp;
        Assert.True(growth < 64L << 20, $"resident memory grew by {growth >> 20} MiB over 40 rounds after warm-up");
    }

    private static long Rss()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        return self.WorkingSet64;
    }
}
