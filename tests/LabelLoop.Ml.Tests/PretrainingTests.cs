using LabelLoop.Core.Embeddings;

namespace LabelLoop.Ml.Tests;

public sealed class PretrainingTests(TrainedImageModel trained)
{
    private static PretrainingOptions Quick(int epochs) => new()
    {
        Epochs = epochs,
        BatchSize = 64,
        LearningRate = 3e-3f,
        Temperature = 0.5f,
        ProjectionDim = 16,
        CropMinScale = 0.5f,
        Seed = 3,
    };

    [Fact]
    public void Contrastive_pretraining_lowers_its_loss_reports_each_epoch_and_gives_separable_embeddings()
    {
        var engine = trained.Engine;
        using var model = engine.CreateModel(TestData.ImageSpec(seed: 41));
        var batch = ModelBatch.FromPixels(trained.Train.Pixels, 400);
        var reports = new List<TrainingProgress>();

        var result = engine.Pretrain(model, batch, Quick(epochs: 6), new SyncProgress(reports.Add), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(6, result.EpochsRun);
        Assert.True(result.FinalLoss < result.FirstLoss, $"loss {result.FirstLoss} -> {result.FinalLoss}");
        Assert.True(result.ItemsPerSecond > 0);
        Assert.Equal([1, 2, 3, 4, 5, 6], reports.Select(r => r.Epoch));
        var spec = model.Spec;
        var embeddings = engine.Embed(model, batch);
        // Labels were never shown; the quadrant classes still come out as neighbourhoods.
        Assert.True(EmbeddingQuality.KnnAccuracy(embeddings, spec.EmbeddingDim, trained.Train.Labels, spec.Classes, cancellationToken: TestContext.Current.CancellationToken) >= 0.8);
    }

    [Fact]
    public void Cancelling_keeps_the_previous_encoder()
    {
        var engine = trained.Engine;
        using var model = engine.CreateModel(TestData.ImageSpec(seed: 42));
        var batch = ModelBatch.FromPixels(trained.Train.Pixels, 400);
        var before = engine.Embed(model, batch);
        using var cancellation = new CancellationTokenSource();

        Assert.ThrowsAny<OperationCanceledException>(() => engine.Pretrain(model, batch, Quick(epochs: 50),
            new SyncProgress(_ => cancellation.Cancel()), cancellation.Token));

        Assert.Equal(before, engine.Embed(model, batch));
    }

    [Fact]
    public void The_same_seed_gives_the_same_encoder()
    {
        var engine = trained.Engine;
        var batch = ModelBatch.FromPixels(trained.Train.Pixels, 400);
        using var first = engine.CreateModel(TestData.ImageSpec(seed: 44));
        using var second = engine.CreateModel(TestData.ImageSpec(seed: 44));

        engine.Pretrain(first, batch, Quick(epochs: 2), cancellationToken: TestContext.Current.CancellationToken);
        engine.Pretrain(second, batch, Quick(epochs: 2), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(engine.Embed(first, batch), engine.Embed(second, batch));
    }

    [Fact]
    public void Bad_options_fail_naming_the_field()
    {
        using var model = trained.Engine.CreateModel(TestData.ImageSpec(seed: 43));
        var batch = ModelBatch.FromPixels(trained.Train.Pixels, 400);

        var error = Assert.Throws<ModelEngineException>(() => trained.Engine.Pretrain(model, batch, Quick(1) with { Temperature = -1 }, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("temperature", error.Message, StringComparison.Ordinal);
    }

    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
