namespace LabelLoop.Ml.Tests;

/// <summary>The GPU path: without a GPU, asking for CUDA fails cleanly; with one, the model trains there and agrees with the CPU.</summary>
public sealed class CudaTests(TrainedImageModel trained) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ll-cuda-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Asking_for_cuda_without_a_gpu_fails_with_a_clear_message()
    {
        if (trained.Engine.Info.CudaAvailable)
        {
            // Where a GPU is, Cuda_training_agrees_with_the_cpu covers the device.
            using var model = TrainedImageModel.NewEngine(new EngineOptions { Device = ModelDevice.Cuda }).CreateModel(TestData.ImageSpec());
            Assert.Equal(ModelDevice.Cuda, ((TorchSharp.TorchSharpModel)model).Device);
            return;
        }

        var gpu = TrainedImageModel.NewEngine(new EngineOptions { Device = ModelDevice.Cuda });
        var e = Assert.Throws<ModelEngineException>(() => gpu.CreateModel(TestData.ImageSpec()));
        Assert.Contains("CUDA is not available", e.EngineMessage, StringComparison.Ordinal);
    }

    [CudaFact]
    public void Cuda_training_agrees_with_the_cpu()
    {
        var gpu = TrainedImageModel.NewEngine(new EngineOptions { Device = ModelDevice.Cuda });
        using var model = gpu.CreateModel(TestData.ImageSpec());
        var batch = ModelBatch.FromPixels(trained.Train.Pixels, 400);
        gpu.Train(model, batch, trained.Train.Labels, TestData.QuickTraining(), cancellationToken: TestContext.Current.CancellationToken);
        var path = Path.Combine(_directory, "gpu.llm");
        gpu.SaveModel(model, path);
        using var onCpu = trained.Engine.LoadModel(path);

        Assert.Equal(ModelDevice.Cuda, ((TorchSharp.TorchSharpModel)model).Device);
        var gpuProbabilities = gpu.PredictProbabilities(model, trained.TestBatch);
        var cpuProbabilities = trained.Engine.PredictProbabilities(onCpu, trained.TestBatch);
        Assert.True(TestData.Accuracy(gpuProbabilities, trained.Test.Labels, TestData.ImageClasses) >= 0.9);
        for (var i = 0; i < gpuProbabilities.Length; i++)
        {
            Assert.Equal(cpuProbabilities[i], gpuProbabilities[i], 3);
        }
    }
}
