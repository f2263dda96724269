[assembly: AssemblyFixture(typeof(LabelLoop.Ml.Tests.NativeTrainedImageModel))]

namespace LabelLoop.Ml.Tests;

/// <summary>The fixture on <see cref="TorchModelEngine"/>.</summary>
public sealed class NativeTrainedImageModel : TrainedImageModel
{
    protected override string? UnavailableReason
    {
        get
        {
            var probe = TorchModelEngine.Probe();
            return probe.NativeAvailable ? null : probe.UnavailableReason;
        }
    }

    protected override IModelEngine CreateEngine(EngineOptions options) => new TorchModelEngine(options);
}
