using LabelLoop.Ml.Tests;

[assembly: AssemblyFixture(typeof(LabelLoop.Ml.TorchSharp.Tests.TorchSharpTrainedImageModel))]

namespace LabelLoop.Ml.TorchSharp.Tests;

/// <summary>The fixture on <see cref="TorchSharpEngine"/>; TorchSharp ships with the build, so it never skips.</summary>
public sealed class TorchSharpTrainedImageModel : TrainedImageModel
{
    protected override string? UnavailableReason => null;

    protected override IModelEngine CreateEngine(EngineOptions options) => new TorchSharpEngine(options);
}
