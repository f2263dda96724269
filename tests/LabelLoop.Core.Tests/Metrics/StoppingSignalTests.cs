using LabelLoop.Core.Metrics;
using Xunit;

namespace LabelLoop.Core.Tests.Metrics;

public sealed class StoppingSignalTests
{
    [Fact]
    public void Versions_without_stop_set_agreement_are_not_enough_data()
    {
        var result = StoppingSignal.Evaluate([new(20, 0.5, null), new(40, 0.6, null), new(60, 0.65, 0.999), new(80, 0.66, 0.999)]);

        Assert.Equal(StopState.NotEnoughData, result.State);
        Assert.Contains("2 of 4", result.Explanation, StringComparison.Ordinal);
        Assert.Equal(StopState.NotEnoughData, StoppingSignal.Evaluate([]).State);
    }

    [Fact]
    public void Stable_predictions_and_a_flat_audit_curve_say_stop()
    {
        // Last three agreements 0.992, 0.995, 0.999 >= 0.99; accuracy 0.801 -> 0.806 over three versions: +0.005 <= 0.01.
        var result = StoppingSignal.Evaluate([new(100, 0.801, 0.95), new(200, 0.803, 0.992), new(300, 0.805, 0.995), new(400, 0.806, 0.999)]);

        Assert.Equal(StopState.Stop, result.State);
        Assert.Equal(0.992, result.LowestAgreement!.Value, 10);
        Assert.Equal(0.005, result.AccuracyGain!.Value, 10);
    }

    [Fact]
    public void Changing_predictions_or_a_rising_curve_say_keep_going()
    {
        var changing = StoppingSignal.Evaluate([new(100, 0.80, 0.99), new(200, 0.80, 0.97), new(300, 0.80, 0.995), new(400, 0.80, 0.999)]);
        // Accuracy still rose 0.70 -> 0.78 (+0.08) while predictions are stable.
        var rising = StoppingSignal.Evaluate([new(100, 0.70, 0.99), new(200, 0.74, 0.995), new(300, 0.76, 0.996), new(400, 0.78, 0.999)]);
        // Three stable versions, but no fourth to measure the gain against.
        var tooShort = StoppingSignal.Evaluate([new(100, 0.70, 0.995), new(200, 0.74, 0.995), new(300, 0.76, 0.996)]);

        Assert.Equal(StopState.KeepGoing, changing.State);
        Assert.Contains("still change", changing.Explanation, StringComparison.Ordinal);
        Assert.Equal(StopState.KeepGoing, rising.State);
        Assert.Contains("still rose", rising.Explanation, StringComparison.Ordinal);
        Assert.Equal(StopState.KeepGoing, tooShort.State);
    }
}
