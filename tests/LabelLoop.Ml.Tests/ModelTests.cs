namespace LabelLoop.Ml.Tests;

public sealed class ModelTests(TrainedImageModel trained) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ll-model-").FullName;

    private TrainedImageModel Trained => trained;

    public void Dispose()
    {
        Directory.Delete(_directory, recursive: true);
        GC.SuppressFinalize(this);
    }

    [Fact]
    public void Image_model_learns_a_generated_task_to_high_accuracy()
    {
        var probabilities = trained.Engine.PredictProbabilities(trained.Model, trained.TestBatch);

        Assert.True(TestData.Accuracy(probabilities, trained.Test.Labels, TestData.ImageClasses) >= 0.9);
        Assert.Equal(6, trained.Result.EpochsRun);
        Assert.Equal(80, trained.Result.ValidationItems);
        Assert.NotNull(trained.Result.BestValidationAccuracy);
        for (var i = 0; i < trained.Test.Labels.Length; i++)
        {
            Assert.Equal(1f, probabilities.AsSpan(i * TestData.ImageClasses, TestData.ImageClasses).ToArray().Sum(), 4);
        }
    }

    [Fact]
    public void Checkpoint_round_trip_gives_identical_probabilities()
    {
        var path = Path.Combine(_directory, "model.llm");
        trained.Engine.SaveModel(trained.Model, path);

        using var loaded = trained.Engine.LoadModel(path, TestData.ImageSpec());

        Assert.Equal(trained.Model.Spec, loaded.Spec);
        Assert.Equal(
            trained.Engine.PredictProbabilities(trained.Model, trained.TestBatch),
            trained.Engine.PredictProbabilities(loaded, trained.TestBatch));
    }

    [Fact]
    public void Monte_carlo_dropout_varies_and_plain_prediction_does_not()
    {
        var engine = trained.Engine;
        var batch = trained.TestBatch;
        var perPass = batch.Count * TestData.ImageClasses;

        var plain = engine.PredictProbabilities(trained.Model, batch);
        var mc = engine.PredictMonteCarlo(trained.Model, batch, passes: 4, seed: 5);

        Assert.Equal(plain, engine.PredictProbabilities(trained.Model, batch));
        Assert.Equal(4 * perPass, mc.Length);
        Assert.NotEqual(mc.AsSpan(0, perPass).ToArray(), mc.AsSpan(perPass, perPass).ToArray());
        Assert.Equal(mc, engine.PredictMonteCarlo(trained.Model, batch, passes: 4, seed: 5));
    }

    [Fact]
    public void Training_with_the_same_seed_is_deterministic()
    {
        var engine = trained.Engine;
        using var again = engine.CreateModel(TestData.ImageSpec());
        engine.Train(again, ModelBatch.FromPixels(trained.Train.Pixels, 400), trained.Train.Labels, TestData.QuickTraining(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(
            engine.PredictProbabilities(trained.Model, trained.TestBatch),
            engine.PredictProbabilities(again, trained.TestBatch));
    }

    [Fact]
    public void Embed_returns_one_vector_per_item_and_copy_encoder_transfers_it()
    {
        var engine = trained.Engine;
        using var fresh = engine.CreateModel(TestData.ImageSpec(seed: 99));

        var before = engine.Embed(fresh, trained.TestBatch);
        engine.CopyEncoder(trained.Model, fresh);
        var source = engine.Embed(trained.Model, trained.TestBatch);

        Assert.Equal(trained.TestBatch.Count * 32, source.Length);
        Assert.NotEqual(source, before);
        Assert.Equal(source, engine.Embed(fresh, trained.TestBatch));
    }

    [Fact]
    public void One_pass_gives_the_same_probabilities_and_embeddings_as_the_two_calls()
    {
        var engine = trained.Engine;

        var (probabilities, embeddings) = engine.PredictAndEmbed(trained.Model, trained.TestBatch);

        Assert.Equal(engine.PredictProbabilities(trained.Model, trained.TestBatch), probabilities);
        Assert.Equal(engine.Embed(trained.Model, trained.TestBatch), embeddings);
    }

    [Fact]
    public void Frozen_encoder_fine_tuning_keeps_the_pretrained_embedding()
    {
        var engine = trained.Engine;
        using var member = engine.CreateModel(TestData.ImageSpec(seed: 3));
        engine.CopyEncoder(trained.Model, member);

        var result = engine.Train(
            member,
            ModelBatch.FromPixels(trained.Train.Pixels, 400),
            trained.Train.Labels,
            TestData.QuickTraining(epochs: 2) with { EncoderLearningRateMultiplier = 0f, BalanceClasses = true }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(2, result.EpochsRun);
        Assert.Equal(engine.Embed(trained.Model, trained.TestBatch), engine.Embed(member, trained.TestBatch));
    }

    [Fact]
    public void Copying_between_different_encoders_names_the_mismatch()
    {
        var engine = trained.Engine;
        using var wider = engine.CreateModel(TestData.ImageSpec() with { Width = 16 });

        var e = Assert.Throws<ModelEngineException>(() => engine.CopyEncoder(trained.Model, wider));

        Assert.Equal(EngineStatus.InvalidArgument, e.Status);
        Assert.Contains("shape", e.EngineMessage, StringComparison.Ordinal);
    }
}
