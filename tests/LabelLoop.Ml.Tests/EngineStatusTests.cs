namespace LabelLoop.Ml.Tests;

public sealed class EngineStatusTests
{
    [Fact]
    public void Exception_carries_status_and_engine_message()
    {
        var e = new ModelEngineException(EngineStatus.InvalidArgument, "predict: batch has 0 items");

        Assert.Equal(EngineStatus.InvalidArgument, e.Status);
        Assert.Equal("predict: batch has 0 items", e.EngineMessage);
        Assert.Contains("InvalidArgument", e.Message, StringComparison.Ordinal);
        Assert.Contains("batch has 0 items", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_status_codes_are_named_by_number()
    {
        var e = new ModelEngineException((EngineStatus)42, "");

        Assert.Contains("unknown status 42", e.Message, StringComparison.Ordinal);
        Assert.Contains("(no message)", e.Message, StringComparison.Ordinal);
    }
}
