namespace LabelLoop.Ml.Tests;

// These run on every machine: without a GPU, asking for CUDA must fail cleanly; with one, the CUDA
// path must train and agree with the CPU. A skip would hide either half.
public abstract class CudaTests(TrainedImageModel trained) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ll-cuda-").FullName;

    public void Dispose()
    {
        Directory.Delete(_directory, recursive: true);
        GC.SuppressFinalize(this);
    }

    [Fact]
    public void Cuda_device_works_when_present_and_fails_clearly_when_absent()
    {
        var gpu = trained.NewEngine(new EngineOptions { Device = ModelDevice.Cuda });
        if (!trained.Engine.Info.CudaAvailable)
        {
            var e = Assert.Throws<LabelLoopNativeException>(() => gpu.CreateModel(TestData.ImageSpec()));
            Assert.Contains("CUDA is not available", e.NativeMessage, StringComparison.Ordinal);
            return;
        }

        using var model = gpu.CreateModel(TestData.ImageSpec());
        var batch = ModelBatch.FromPixels(trained.Train.Pixels, 400);
        gpu.Train(model, batch, trained.Train.Labels, TestData.QuickTraining(), cancellationToken: TestContext.Current.CancellationToken);
        var path = Path.Combine(_directory, "gpu.llm");
        gpu.SaveModel(model, path);
        using var onCpu = trained.Engine.LoadModel(path);

        Assert.Equal(ModelDevice.Cuda, model switch { TorchModel t => t.Device, TorchSharp.TorchSharpModel s => s.Device, _ => ModelDevice.Auto });
        var gpuProbabilities = gpu.PredictProbabilities(model, trained.TestBatch);
        var cpuProbabilities = trained.Engine.PredictProbabilities(onCpu, trained.TestBatch);
        Assert.True(TestData.Accuracy(gpuProbabilities, trained.Test.Labels, TestData.ImageClasses) >= 0.9);
        for (var i = 0; i < gpuProbabilities.Length; i++)
        {
            Assert.Equal(cpuProbabilities[i], gpuProbabilities[i], 3);
        }
    }
}
