namespace LabelLoop.Ml;

/// <summary>What the native engine is and how fast its CPU matrix products are.</summary>
/// <remarks>
/// Obtained from <see cref="TorchModelEngine.Info"/> (or <see cref="TorchModelEngine.Probe"/>), which never
/// throws: when the native library is missing, <see cref="NativeAvailable"/> is false and
/// <see cref="UnavailableReason"/> lists every path that was tried.
/// </remarks>
public sealed record EngineInfo
{
    /// <summary>Below this rate (GFLOP/s) matrix products are assumed to run on a reference BLAS.</summary>
    public const double SlowBlasThresholdGflops = 30;

    /// <summary>True when liblabelloop_native.so loaded and its ABI version matches.</summary>
    public required bool NativeAvailable { get; init; }

    /// <summary>Why the native library is unavailable (every path tried), or null.</summary>
    public string? UnavailableReason { get; init; }

    /// <summary>The file the native library was loaded from.</summary>
    public string? LibraryPath { get; init; }

    /// <summary>The native ABI version.</summary>
    public int AbiVersion { get; init; }

    /// <summary>The libtorch version the library was built against, e.g. 1.13.1.</summary>
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
    /// True when <see cref="BlasGflops"/> is below <see cref="SlowBlasThresholdGflops"/>: libtorch is probably
    /// running on the reference BLAS; install an optimised one (Debian: <c>libopenblas0-pthread</c>).
    /// </summary>
    public bool SlowBlas => NativeAvailable && BlasGflops > 0 && BlasGflops < SlowBlasThresholdGflops;
}
