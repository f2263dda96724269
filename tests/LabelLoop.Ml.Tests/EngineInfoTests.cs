using LabelLoop.Ml.TorchSharp;

namespace LabelLoop.Ml.Tests;

public sealed class EngineInfoTests
{
    [Fact]
    public void Slow_blas_flag_follows_the_threshold()
    {
        Assert.True(new EngineInfo { EngineAvailable = true, BlasGflops = 7 }.SlowBlas);
        Assert.False(new EngineInfo { EngineAvailable = true, BlasGflops = 190 }.SlowBlas);
        Assert.False(new EngineInfo { EngineAvailable = false }.SlowBlas);
    }

    [Theory]
    [InlineData(ModelDevice.Auto, false, "CPU, 2 threads (no GPU visible)")]
    [InlineData(ModelDevice.Auto, true, "CUDA (1 GPU), chosen automatically")]
    [InlineData(ModelDevice.Cpu, true, "CPU, 2 threads")]
    [InlineData(ModelDevice.Cpu, false, "CPU, 2 threads")]
    [InlineData(ModelDevice.Cuda, false, "CUDA requested, but no GPU is visible")]
    public void Device_is_described_as_the_admin_page_shows_it(ModelDevice requested, bool cuda, string expected)
    {
        var info = new EngineInfo { EngineAvailable = true, Threads = 2, CudaAvailable = cuda, CudaDeviceCount = cuda ? 1 : 0 };

        Assert.Equal(expected, info.DescribeDevice(requested));
        Assert.Equal("none (libtorch unavailable)", new EngineInfo { EngineAvailable = false }.DescribeDevice(requested));
    }

    [Fact]
    public void Info_never_throws() => Assert.Equal(new TorchSharpEngine().Info.EngineAvailable, new TorchSharpEngine().Info.UnavailableReason is null);
}
