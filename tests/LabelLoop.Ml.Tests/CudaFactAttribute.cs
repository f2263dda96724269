using System.Runtime.CompilerServices;

namespace LabelLoop.Ml.Tests;

/// <summary>
/// A fact that needs a GPU: it runs where libtorch has CUDA and sees a device (a build with
/// <c>-p:TorchDevice=cuda</c>, docs/gpu.md) and is skipped, saying so, everywhere else.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        Skip = "No CUDA device: libtorch is the CPU build or no GPU is visible (docs/gpu.md).";
        SkipUnless = nameof(TrainedImageModel.CudaAvailable);
        SkipType = typeof(TrainedImageModel);
    }
}
