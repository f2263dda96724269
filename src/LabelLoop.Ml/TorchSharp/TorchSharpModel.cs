using TorchSharp;
using static TorchSharp.torch;

namespace LabelLoop.Ml.TorchSharp;

/// <summary>A model of <see cref="TorchSharpEngine"/>: the network, its device, and the pretext head of a pretraining run.</summary>
/// <remarks>
/// The caller owns the model and disposes it, which releases every tensor at once. Calls on one model are
/// serialised.
/// </remarks>
public sealed class TorchSharpModel : EngineModel
{
    internal TorchSharpModel(ModelSpec spec, Device device, Net net)
    {
        Spec = spec;
        TorchDevice = device;
        Net = net;
    }

    /// <inheritdoc />
    public override ModelSpec Spec { get; }

    /// <summary>The device the model runs on: <see cref="ModelDevice.Cpu"/> or <see cref="ModelDevice.Cuda"/>.</summary>
    public ModelDevice Device => TorchDevice.type == DeviceType.CUDA ? ModelDevice.Cuda : ModelDevice.Cpu;

    internal Device TorchDevice { get; }

    internal Net Net { get; }

    /// <summary>Left by the last successful pretraining call, so that a call continuing the run goes on with its head and optimizer.</summary>
    internal PretextState? Pretext { get; set; }

    internal Lock Gate { get; } = new();

    internal bool IsDisposed { get; private set; }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (Gate)
            {
                Pretext?.Dispose();
                Pretext = null;
                Net.Dispose();
                IsDisposed = true;
            }
        }

        base.Dispose(disposing);
    }
}
