namespace LabelLoop.Ml;

/// <summary>Where a model's weights live and its computation runs.</summary>
public enum ModelDevice
{
    /// <summary>CUDA when libtorch was built with it (the CUDA runtime package, docs/gpu.md) and a GPU is visible, else the CPU.</summary>
    Auto = 0,

    /// <summary>The CPU, with the thread count set by <see cref="EngineOptions.Threads"/>.</summary>
    Cpu = 1,

    /// <summary>The first CUDA GPU; creating or loading a model fails when none is usable.</summary>
    Cuda = 2,
}
