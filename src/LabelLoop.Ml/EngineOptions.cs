namespace LabelLoop.Ml;

/// <summary>Process-wide settings of the model engine (<see cref="TorchSharp.TorchSharpEngine"/>).</summary>
/// <remarks>
/// Threads and seed are process-wide in libtorch: the first engine to load libtorch applies
/// them, once.
/// </remarks>
public sealed record EngineOptions
{
    /// <summary>CPU threads for libtorch's intra-op parallelism; 0 keeps libtorch's default (the core count).</summary>
    public int Threads { get; init; }

    /// <summary>
    /// The process has the machine's cores to itself (<c>labelloop worker</c>, <c>Jobs:DedicatedWorker</c>): libtorch's
    /// idle threads spin about a millisecond before sleeping, which trains faster; otherwise they sleep at once,
    /// which keeps them from taking cores another process needs. Process-wide, like <see cref="Threads"/>.
    /// </summary>
    public bool DedicatedCores { get; init; }

    /// <summary>Seed of libtorch's process-wide generator.</summary>
    public long Seed { get; init; }

    /// <summary>Device for models this engine creates or loads (<c>--device auto|cpu|cuda</c>).</summary>
    public ModelDevice Device { get; init; } = ModelDevice.Auto;
}
