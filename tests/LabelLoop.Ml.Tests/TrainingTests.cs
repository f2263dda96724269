using System.Diagnostics;

namespace LabelLoop.Ml.Tests;

public sealed class TrainingTests(TrainedImageModel trained)
{
    [Fact]
    public void Progress_reports_every_epoch_with_validation_accuracy()
    {
        var reports = new List<TrainingProgress>();
        using var model = trained.Engine.CreateModel(TestData.ImageSpec(seed: 21));

        var result = trained.Engine.Train(
            model,
            ModelBatch.FromPixels(trained.Train.Pixels, 400),
            trained.Train.Labels,
            TestData.QuickTraining(epochs: 3) with { Augmentations = ImageAugmentations.Default | ImageAugmentations.HorizontalFlip },
            new SyncProgress(reports.Add), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal([1, 2, 3], reports.Select(r => r.Epoch));
        Assert.All(reports, r => Assert.InRange(r.ValidationAccuracy!.Value, 0f, 1f));
        Assert.All(reports, r => Assert.Equal(3, r.Epochs));
        Assert.Equal(3, result.EpochsRun);
    }

    [Fact]
    public void Cancellation_stops_training_promptly_and_keeps_the_previous_weights()
    {
        var engine = trained.Engine;
        using var model = engine.CreateModel(TestData.ImageSpec(seed: 22));
        var batch = ModelBatch.FromPixels(trained.Train.Pixels, 400);
        var before = engine.PredictProbabilities(model, trained.TestBatch);
        using var cancellation = new CancellationTokenSource();
        var epochs = 0;
        var clock = Stopwatch.StartNew();

        Assert.ThrowsAny<OperationCanceledException>(() => engine.Train(
            model,
            batch,
            trained.Train.Labels,
            TestData.QuickTraining(epochs: 500),
            new SyncProgress(_ =>
            {
                epochs++;
                cancellation.Cancel();
            }),
            cancellation.Token));

        Assert.Equal(1, epochs);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"cancelled training ran {clock.Elapsed}");
        Assert.Equal(before, engine.PredictProbabilities(model, trained.TestBatch));
    }

    [Fact]
    public void An_already_cancelled_token_stops_before_training()
    {
        using var model = trained.Engine.CreateModel(TestData.ImageSpec());

        Assert.ThrowsAny<OperationCanceledException>(() => trained.Engine.Train(
            model,
            ModelBatch.FromPixels(trained.Train.Pixels, 400),
            trained.Train.Labels,
            TestData.QuickTraining(),
            cancellationToken: new CancellationToken(canceled: true)));
    }

    [Fact]
    public void An_exception_from_the_progress_handler_reaches_the_caller()
    {
        using var model = trained.Engine.CreateModel(TestData.ImageSpec());

        var e = Assert.Throws<InvalidOperationException>(() => trained.Engine.Train(
            model,
            ModelBatch.FromPixels(trained.Train.Pixels, 400),
            trained.Train.Labels,
            TestData.QuickTraining(epochs: 3),
            new SyncProgress(_ => throw new InvalidOperationException("handler failed")), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal("handler failed", e.Message);
    }

    [Fact]
    public void Early_stopping_ends_with_the_best_epoch()
    {
        var options = TestData.QuickTraining(epochs: 40) with { Patience = 2, Schedule = LearningRateSchedule.Step, StepEpochs = 2 };
        using var model = trained.Engine.CreateModel(TestData.ImageSpec(seed: 23));

        var result = trained.Engine.Train(model, ModelBatch.FromPixels(trained.Train.Pixels, 400), trained.Train.Labels, options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.StoppedEarly);
        Assert.Equal(result.EpochsRun - 2, result.BestEpoch);
    }

    /// <summary>Reports synchronously on the training thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
