namespace LabelLoop.Ml.Tests;

public sealed class EngineInfoTests(NativeTrainedImageModel trained)
{
    [NativeFact]
    public void Info_reports_the_library_libtorch_and_a_measured_blas_rate()
    {
        var info = trained.Engine.Info;

        Assert.True(info.NativeAvailable);
        Assert.Equal(2, info.AbiVersion);
        Assert.False(string.IsNullOrEmpty(info.TorchVersion));
        Assert.True(File.Exists(info.LibraryPath));
        Assert.True(info.Threads >= 1);
        Assert.True(info.BlasGflops > 0);
        Assert.Equal(info.BlasGflops < EngineInfo.SlowBlasThresholdGflops, info.SlowBlas);
    }

    [Fact]
    public void Slow_blas_flag_follows_the_threshold()
    {
        Assert.True(new EngineInfo { NativeAvailable = true, BlasGflops = 7 }.SlowBlas);
        Assert.False(new EngineInfo { NativeAvailable = true, BlasGflops = 190 }.SlowBlas);
        Assert.False(new EngineInfo { NativeAvailable = false }.SlowBlas);
    }

    [Fact]
    public void Probe_never_throws()
    {
        var info = TorchModelEngine.Probe();

        Assert.Equal(info.NativeAvailable, info.UnavailableReason is null);
    }
}
