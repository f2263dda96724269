using System.Runtime.CompilerServices;
using LabelLoop.Ml.Native;

namespace LabelLoop.Ml.Tests;

// The sizes equal sizeof() of the C structs on x86-64 and arm64 Linux; the native side rejects any
// other struct_size, and its own tests assert the same numbers.
public sealed class NativeStructLayoutTests
{
    [Fact]
    public void Struct_sizes_match_the_native_header()
    {
        Assert.Equal(48, Unsafe.SizeOf<LlModelConfig>());
        Assert.Equal(40, Unsafe.SizeOf<LlBatch>());
        Assert.Equal(72, Unsafe.SizeOf<LlTrainOptions>());
        Assert.Equal(40, Unsafe.SizeOf<LlProgress>());
        Assert.Equal(36, Unsafe.SizeOf<LlTrainResult>());
        Assert.Equal(52, Unsafe.SizeOf<LlEngineInfo>());
        Assert.Equal(72, Unsafe.SizeOf<LlPretrainOptions>());
        Assert.Equal(24, Unsafe.SizeOf<LlPretrainResult>());
    }

    [Fact]
    public void Spec_round_trips_through_the_native_config()
    {
        var spec = TestData.ImageSpec() with { Seed = -3 };

        Assert.Equal(spec, ModelSpec.FromNative(spec.ToNative()));
    }
}
