using LabelLoop.Ml.Native;

namespace LabelLoop.Ml.Tests;

public sealed class NativeStatusTests
{
    [Theory]
    [InlineData(NativeStatus.Ok, 0)]
    [InlineData(NativeStatus.InvalidArgument, 1)]
    [InlineData(NativeStatus.IoError, 2)]
    [InlineData(NativeStatus.TorchError, 3)]
    [InlineData(NativeStatus.OutOfMemory, 4)]
    [InlineData(NativeStatus.Cancelled, 5)]
    [InlineData(NativeStatus.Internal, 99)]
    public void Status_values_equal_the_header_constants(NativeStatus status, int expected)
        => Assert.Equal(expected, (int)status);

    [Fact]
    public void Exception_carries_status_and_native_message()
    {
        var e = new LabelLoopNativeException(NativeStatus.InvalidArgument, "ll_model_predict: batch has 0 items");

        Assert.Equal(NativeStatus.InvalidArgument, e.Status);
        Assert.Equal("ll_model_predict: batch has 0 items", e.NativeMessage);
        Assert.Contains("InvalidArgument", e.Message, StringComparison.Ordinal);
        Assert.Contains("batch has 0 items", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_status_codes_are_named_by_number()
    {
        var e = new LabelLoopNativeException((NativeStatus)42, "");

        Assert.Contains("unknown status 42", e.Message, StringComparison.Ordinal);
        Assert.Contains("(no message)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ok_does_not_throw() => NativeStatus.Ok.ThrowIfFailed();
}
