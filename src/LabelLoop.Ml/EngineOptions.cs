namespace LabelLoop.Ml;

/// <summary>Process-wide settings of the model engine (<see cref="TorchModelEngine"/> or <see cref="TorchSharp.TorchSharpEngine"/>).</summary>
/// <remarks>
/// Threads and seed are process-wide in libtorch: the first engine to touch the native library applies
/// them, once.
/// </remarks>
public sealed record EngineOptions
{
    /// <summary>CPU threads for libtorch's intra-op parallelism; 0 keeps libtorch's default (the core count).</summary>
    public int Threads { get; init; }

    /// <summary>Seed of libtorch's process-wide generator.</summary>
    public long Seed { get; init; }

    /// <summary>Device for models this engine creates or loads (<c>--device auto|cpu|cuda</c>).</summary>
    public ModelDevice Device { get; init; } = ModelDevice.Auto;

    /// <summary>Which engine runs the models (<c>Ml:Engine</c>, <c>--engine native|torchsharp</c>); see <see cref="EngineKindParser.Create"/>.</summary>
    public EngineKind Engine { get; init; } = EngineKind.Native;
}
