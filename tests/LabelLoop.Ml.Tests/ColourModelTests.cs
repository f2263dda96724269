namespace LabelLoop.Ml.Tests;

/// <summary>Three-channel image models: pretraining, checkpoints, and what keeps grey and colour encoders apart.</summary>
public sealed class ColourModelTests(TrainedImageModel fixture)
{
    private IModelEngine Engine => fixture.Engine;

    private static ModelSpec Colour(int channels = 3) => ModelSpec.ForImages(2, channels, imageSize: 8) with { Width = 8, EmbeddingDim = 16 };

    /// <summary>Solid red or green images with a little noise, planar RGB.</summary>
    private static (float[] Pixels, int[] Labels) RedAndGreen(int count)
    {
        var random = new Random(5);
        var pixels = new float[count * 3 * 64];
        var labels = new int[count];
        for (var i = 0; i < count; i++)
        {
            labels[i] = i % 2;
            for (var p = 0; p < 64; p++)
            {
                pixels[(i * 192) + (labels[i] * 64) + p] = 0.6f + (0.2f * random.NextSingle());
            }
        }
        return (pixels, labels);
    }

    [Fact]
    public void An_encoder_fits_models_of_the_same_shape_whatever_their_classes()
    {
        Assert.True(Colour().HasEncoderOf(Colour() with { Classes = 7, Seed = 9, Dropout = 0.5f }));
        Assert.False(Colour().HasEncoderOf(Colour(channels: 1)));
        Assert.False(Colour().HasEncoderOf(Colour() with { ImageSize = 16 }));
        Assert.False(Colour().HasEncoderOf(Colour() with { Width = 16 }));
    }

    [Fact]
    public void A_colour_model_pretrains_trains_and_round_trips_and_a_grey_spec_cannot_load_it()
    {
        var dir = Directory.CreateTempSubdirectory("labelloop-colour-");
        try
        {
            RoundTrip(dir.FullName);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private void RoundTrip(string dir)
    {
        var (pixels, labels) = RedAndGreen(64);
        var batch = ModelBatch.FromPixels(pixels, labels.Length);
        using var model = Engine.CreateModel(Colour());

        var pretrained = Engine.Pretrain(model, batch, new PretrainingOptions { Epochs = 2, BatchSize = 32, Seed = 1 });
        var trained = Engine.Train(model, batch, labels, TestData.QuickTraining(8));
        var path = Path.Combine(dir, "colour.ckpt");
        Engine.SaveModel(model, path);
        using var loaded = Engine.LoadModel(path, Colour());
        var probabilities = Engine.PredictProbabilities(loaded, batch);

        Assert.True(float.IsFinite(pretrained.FinalLoss));
        Assert.True(trained.FinalTrainLoss < 0.5f, $"loss {trained.FinalTrainLoss}");
        Assert.Equal(labels, Enumerable.Range(0, labels.Length).Select(i => probabilities[2 * i] > probabilities[(2 * i) + 1] ? 0 : 1));
        var wrongShape = Assert.Throws<ModelEngineException>(() => Engine.LoadModel(path, Colour(channels: 1)));
        Assert.Contains("channels", wrongShape.Message, StringComparison.Ordinal);
        using var grey = Engine.CreateModel(Colour(channels: 1));
        Assert.Throws<ModelEngineException>(() => Engine.CopyEncoder(loaded, grey));
    }
}
