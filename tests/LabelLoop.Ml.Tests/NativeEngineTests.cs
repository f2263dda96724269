namespace LabelLoop.Ml.Tests;

// The engine-behaviour tests on the native engine; tests/LabelLoop.Ml.TorchSharp.Tests runs the same ones on
// TorchSharp, in a process of its own (two libtorch builds cannot share one process).

public sealed class NativeTrainingTests(NativeTrainedImageModel trained) : TrainingTests(trained);

public sealed class NativePretrainingTests(NativeTrainedImageModel trained) : PretrainingTests(trained);

public sealed class NativeBadInputTests(NativeTrainedImageModel trained) : BadInputTests(trained);

public sealed class NativeColourModelTests(NativeTrainedImageModel fixture) : ColourModelTests(fixture);

public sealed class NativeTextModelTests(NativeTrainedImageModel fixture) : TextModelTests(fixture);

public sealed class NativeCudaTests(NativeTrainedImageModel trained) : CudaTests(trained);

public sealed class NativeModelTests(NativeTrainedImageModel trained) : ModelTests(trained)
{
    [NativeFact]
    public void Predicting_into_a_caller_buffer_matches_the_allocating_call()
    {
        var model = (TorchModel)Trained.Model;
        var destination = new float[Trained.TestBatch.Count * TestData.ImageClasses];

        model.PredictProbabilities(Trained.TestBatch, destination);

        Assert.Equal(model.PredictProbabilities(Trained.TestBatch), destination);
        Assert.Throws<ArgumentException>(() => model.PredictProbabilities(Trained.TestBatch, new float[3]));
    }
}
