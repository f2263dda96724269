namespace LabelLoop.Ml.Tests;

// Every case must come back as ModelEngineException naming the problem, with the test host alive.
public sealed class BadInputTests(TrainedImageModel trained) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ll-bad-").FullName;

    public void Dispose()
    {
        Directory.Delete(_directory, recursive: true);
        GC.SuppressFinalize(this);
    }

    private IModelEngine Engine => trained.Engine;

    [Fact]
    public void Wrong_buffer_size_is_rejected()
    {
        var pixels = new float[(3 * TestData.ImageSize * TestData.ImageSize) - 1];

        var e = Assert.Throws<ModelEngineException>(() => Engine.PredictProbabilities(trained.Model, ModelBatch.FromPixels(pixels, 3)));

        Assert.Equal(EngineStatus.InvalidArgument, e.Status);
        Assert.Contains("n_pixels is 767 but 3 items x 1x16x16 need 768", e.EngineMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Inf")]
    [InlineData(float.NegativeInfinity, "Inf")]
    public void Non_finite_features_are_rejected(float value, string name)
    {
        var pixels = trained.Test.Pixels[..(4 * 256)];
        pixels[(2 * 256) + 17] = value;

        var e = Assert.Throws<ModelEngineException>(() => Engine.PredictProbabilities(trained.Model, ModelBatch.FromPixels(pixels, 4)));

        Assert.Contains($"item 2 contain {name}", e.EngineMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_finite_training_features_are_rejected()
    {
        var pixels = trained.Train.Pixels[..(10 * 256)];
        pixels[5] = float.NaN;
        using var model = Engine.CreateModel(TestData.ImageSpec());

        var e = Assert.Throws<ModelEngineException>(
            () => Engine.Train(model, ModelBatch.FromPixels(pixels, 10), trained.Train.Labels.AsMemory(0, 10), TestData.QuickTraining(1), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("item 0 contain NaN", e.EngineMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Zero_items_are_rejected()
    {
        var e = Assert.Throws<ModelEngineException>(() => Engine.PredictProbabilities(trained.Model, ModelBatch.FromPixels(Array.Empty<float>(), 0)));
        Assert.Contains("0 items", e.EngineMessage, StringComparison.Ordinal);

        e = Assert.Throws<ModelEngineException>(() => Engine.Embed(trained.Model, ModelBatch.FromPixels(Array.Empty<float>(), 0)));
        Assert.Contains("0 items", e.EngineMessage, StringComparison.Ordinal);

        using var model = Engine.CreateModel(TestData.ImageSpec());
        e = Assert.Throws<ModelEngineException>(
            () => Engine.Train(model, ModelBatch.FromPixels(Array.Empty<float>(), 0), Array.Empty<int>(), TestData.QuickTraining(1), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("0 items", e.EngineMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(-1)]
    public void Label_outside_the_class_range_is_rejected(int label)
    {
        var labels = trained.Train.Labels.AsSpan(0, 10).ToArray();
        labels[6] = label;
        using var model = Engine.CreateModel(TestData.ImageSpec());

        var e = Assert.Throws<ModelEngineException>(() => Engine.Train(
            model, ModelBatch.FromPixels(trained.Train.Pixels.AsMemory(0, 10 * 256), 10), labels, TestData.QuickTraining(1), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(EngineStatus.InvalidArgument, e.Status);
        Assert.Contains($"label {label} at index 6 is outside the class range [0, 4)", e.EngineMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Label_count_must_match_the_items()
    {
        using var model = Engine.CreateModel(TestData.ImageSpec());

        var e = Assert.Throws<ModelEngineException>(() => Engine.Train(
            model, ModelBatch.FromPixels(trained.Train.Pixels.AsMemory(0, 10 * 256), 10), trained.Train.Labels.AsMemory(0, 9), TestData.QuickTraining(1), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("n_labels is 9 but the batch has 10 items", e.EngineMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_options_and_specs_name_the_field()
    {
        using var model = Engine.CreateModel(TestData.ImageSpec());
        var batch = ModelBatch.FromPixels(trained.Train.Pixels.AsMemory(0, 10 * 256), 10);

        var e = Assert.Throws<ModelEngineException>(
            () => Engine.Train(model, batch, trained.Train.Labels.AsMemory(0, 10), TestData.QuickTraining(1) with { BatchSize = 0 }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("batch_size is 0", e.EngineMessage, StringComparison.Ordinal);

        e = Assert.Throws<ModelEngineException>(
            () => Engine.Train(model, batch, trained.Train.Labels.AsMemory(0, 10), TestData.QuickTraining(1) with { ClassWeights = [1f, 1f] }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("n_class_weights is 2 but the model has 4 classes", e.EngineMessage, StringComparison.Ordinal);

        e = Assert.Throws<ModelEngineException>(() => Engine.CreateModel(TestData.ImageSpec() with { Channels = 2 }));
        Assert.Contains("channels is 2", e.EngineMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Token_ids_outside_the_vocabulary_are_rejected()
    {
        var spec = new ModelSpec { Kind = ModelKind.TextConv, Classes = 2, VocabularySize = 10, MaxTokens = 4, Width = 8, EmbeddingDim = 8 };
        using var model = Engine.CreateModel(spec);

        var e = Assert.Throws<ModelEngineException>(
            () => Engine.PredictProbabilities(model, ModelBatch.FromTokens(new long[] { 1, 2, 0, 0, 3, 10, 0, 0 }, 2)));

        Assert.Contains("item 1 hold id 10 at position 1", e.EngineMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_checkpoint_is_an_io_error()
    {
        var path = Path.Combine(_directory, "nope.llm");

        var e = Assert.Throws<ModelEngineException>(() => Engine.LoadModel(path));

        Assert.Equal(EngineStatus.IoError, e.Status);
        Assert.Contains(path, e.EngineMessage, StringComparison.Ordinal);
        Assert.Contains("No such file", e.EngineMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_checkpoint_is_an_io_error()
    {
        var path = Path.Combine(_directory, "model.llm");
        Engine.SaveModel(trained.Model, path);
        var bytes = File.ReadAllBytes(path);

        foreach (var keep in new[] { 10, 60, bytes.Length / 2, bytes.Length - 1 })
        {
            File.WriteAllBytes(path, bytes[..keep]);
            var e = Assert.Throws<ModelEngineException>(() => Engine.LoadModel(path));
            Assert.Equal(EngineStatus.IoError, e.Status);
            Assert.Contains("truncated", e.EngineMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Checkpoint_of_another_architecture_or_version_fails_clearly()
    {
        var path = Path.Combine(_directory, "model.llm");
        Engine.SaveModel(trained.Model, path);

        var e = Assert.Throws<ModelEngineException>(() => Engine.LoadModel(path, TestData.ImageSpec() with { Classes = 10 }));
        Assert.Equal(EngineStatus.InvalidArgument, e.Status);
        Assert.Contains("n_classes = 4 but 10 was expected", e.EngineMessage, StringComparison.Ordinal);

        var text = new ModelSpec { Kind = ModelKind.TextConv, Classes = 4, VocabularySize = 10, MaxTokens = 4 };
        e = Assert.Throws<ModelEngineException>(() => Engine.LoadModel(path, text));
        Assert.Contains("holds a image-cnn model but a text-conv model was expected", e.EngineMessage, StringComparison.Ordinal);

        var bytes = File.ReadAllBytes(path);
        bytes[8] = 2;
        File.WriteAllBytes(path, bytes);
        e = Assert.Throws<ModelEngineException>(() => Engine.LoadModel(path));
        Assert.Contains("format version 2; this library reads version 1", e.EngineMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_a_checkpoint_is_an_io_error()
    {
        var path = Path.Combine(_directory, "image.png");
        File.WriteAllBytes(path, ImageFiles.Png(20, 20, (_, _) => (1, 2, 3)));

        var e = Assert.Throws<ModelEngineException>(() => Engine.LoadModel(path));

        Assert.Contains("not a LabelLoop checkpoint", e.EngineMessage, StringComparison.Ordinal);
    }
}
