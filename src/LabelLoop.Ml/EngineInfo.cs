namespace LabelLoop.Ml;

/// <summary>What the model engine runs on and how fast its CPU matrix products are.</summary>
/// <remarks>
/// Obtained from <see cref="IModelEngine.Info"/>, which never throws: when libtorch cannot be loaded,
/// <see cref="EngineAvailable"/> is false and <see cref="UnavailableReason"/> says why.
/// </remarks>
public sealed record EngineInfo
{
    /// <summary>Below this rate (GFLOP/s) matrix products are too slow for training to keep up with labelling.</summary>
    public const double SlowBlasThresholdGflops = 30;

    /// <summary>True when libtorch loaded and initialised.</summary>
    public required bool EngineAvailable { get; init; }

    /// <summary>Why the engine is unavailable, or null.</summary>
    public string? UnavailableReason { get; init; }

    /// <summary>The TorchSharp assembly the engine runs on.</summary>
    public string? LibraryPath { get; init; }

    /// <summary>The TorchSharp version, e.g. 0.107.0.</summary>
    public string? TorchSharpVersion { get; init; }

    /// <summary>The libtorch version, e.g. 2.10.0.</summary>
    public string? TorchVersion { get; init; }

    /// <summary>True when libtorch has CUDA and a GPU is visible.</summary>
    public bool CudaAvailable { get; init; }

    /// <summary>Number of visible CUDA devices.</summary>
    public int CudaDeviceCount { get; init; }

    /// <summary>libtorch's intra-op CPU threads.</summary>
    public int Threads { get; init; }

    /// <summary>Measured rate of a 512 x 512 float matrix product on the CPU, in GFLOP/s (0 when not measured).</summary>
    public double BlasGflops { get; init; }

    /// <summary>
    /// True when <see cref="BlasGflops"/> is below <see cref="SlowBlasThresholdGflops"/>: the CPU is very slow or
    /// shared with other busy processes, and training will take many times longer than on a dedicated core.
    /// </summary>
    public bool SlowBlas => EngineAvailable && BlasGflops > 0 && BlasGflops < SlowBlasThresholdGflops;

    /// <summary>Where models run when <paramref name="requested"/> is asked for, in words (the admin page, <c>--version</c>).</summary>
    public string DescribeDevice(ModelDevice requested) => !EngineAvailable
        ? "none (libtorch unavailable)"
        : requested switch
        {
            ModelDevice.Cpu => $"CPU, {CpuThreads}",
            ModelDevice.Cuda => CudaAvailable ? $"CUDA ({CudaDeviceCount} GPU)" : "CUDA requested, but no GPU is visible",
            _ => CudaAvailable ? $"CUDA ({CudaDeviceCount} GPU), chosen automatically" : $"CPU, {CpuThreads} (no GPU visible)",
        };

    private string CpuThreads => Threads == 1 ? "1 thread" : $"{Threads} threads";
}
