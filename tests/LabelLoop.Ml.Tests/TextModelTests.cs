using LabelLoop.Ml.Text;

namespace LabelLoop.Ml.Tests;

public sealed class TextModelTests
{
    [Theory]
    [InlineData(ModelKind.TextConv)]
    [InlineData(ModelKind.TextTransformer)]
    public void Text_model_learns_a_generated_topic_task(ModelKind kind)
    {
        var (texts, labels) = TestData.Topics(400, 1);
        var (testTexts, testLabels) = TestData.Topics(100, 2);
        var tokenizer = TextTokenizer.Build(texts, new TokenizerOptions { MinCount = 2, MaxTokens = 16, HashBuckets = 32 }, cancellationToken: TestContext.Current.CancellationToken);
        var engine = TrainedImageModel.NewEngine(new EngineOptions { Device = ModelDevice.Cpu });
        var spec = ModelSpec.ForText(2, tokenizer, kind) with { Width = 32, EmbeddingDim = 32 };
        using var model = engine.CreateModel(spec);

        engine.Train(
            model,
            ModelBatch.FromTokens(tokenizer.Encode(texts, cancellationToken: TestContext.Current.CancellationToken)),
            labels,
            new TrainingOptions { Epochs = 6, BatchSize = 32, LearningRate = 3e-3f, Patience = 0 },
            cancellationToken: TestContext.Current.CancellationToken);
        var probabilities = engine.PredictProbabilities(model, ModelBatch.FromTokens(tokenizer.Encode(testTexts, cancellationToken: TestContext.Current.CancellationToken)));

        Assert.True(TestData.Accuracy(probabilities, testLabels, 2) >= 0.9);
    }
}
