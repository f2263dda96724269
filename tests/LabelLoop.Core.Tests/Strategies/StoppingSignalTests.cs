using LabelLoop.Core.Strategies;
using Xunit;

namespace LabelLoop.Core.Tests.Strategies;

public sealed class StoppingSignalTests
{
    private static VersionSignal V(int version, double? agreement, double? audit) => new(version, agreement, audit);

    [Fact]
    public void Stops_after_three_stable_rounds_with_a_flat_audit_curve()
    {
        var decision = StoppingSignal.Evaluate([V(1, null, 0.70), V(2, 0.90, 0.78), V(3, 0.98, 0.801), V(4, 0.985, 0.805), V(5, 0.99, 0.81)]);

        Assert.True(decision.ShouldStop);
        Assert.Equal(StopState.Stop, decision.State);
        Assert.Equal(3, decision.StableRounds);
        Assert.Equal(0.009, decision.AuditSpread!.Value, 6);
        Assert.Contains("unlikely", decision.Reason);
    }

    [Fact]
    public void Two_stable_rounds_are_not_enough()
    {
        var decision = StoppingSignal.Evaluate([V(1, null, 0.80), V(2, 0.90, 0.80), V(3, 0.98, 0.80), V(4, 0.99, 0.80)]);

        Assert.False(decision.ShouldStop);
        Assert.Equal(StopState.KeepGoing, decision.State);
        Assert.Equal(2, decision.StableRounds);
        Assert.Contains("still changing", decision.Reason);
    }

    [Fact]
    public void A_rising_audit_curve_keeps_labeling_going()
    {
        var decision = StoppingSignal.Evaluate([V(1, 0.98, 0.70), V(2, 0.98, 0.74), V(3, 0.99, 0.78)]);

        Assert.False(decision.ShouldStop);
        Assert.Equal(3, decision.StableRounds);
        Assert.Equal(0.08, decision.AuditSpread!.Value, 6);
        Assert.Contains("still moves", decision.Reason);
        Assert.Equal(StopState.KeepGoing, decision.State);
    }

    [Fact]
    public void Missing_audits_or_versions_never_say_stop()
    {
        Assert.False(StoppingSignal.Evaluate([]).ShouldStop);
        Assert.Equal(StopState.NotEnoughData, StoppingSignal.Evaluate([]).State);
        Assert.Equal(StopState.NotEnoughData, StoppingSignal.Evaluate([V(1, null, 0.7), V(2, 0.5, 0.7), V(3, 0.5, 0.7)]).State);
        Assert.False(StoppingSignal.Evaluate([V(1, null, null)]).ShouldStop);
        var noAudit = StoppingSignal.Evaluate([V(1, 0.99, null), V(2, 0.99, 0.8), V(3, 0.99, 0.8)]);
        Assert.False(noAudit.ShouldStop);
        Assert.Null(noAudit.AuditSpread);
        Assert.Contains("not enough audit", noAudit.Reason);
        Assert.Equal(StopState.NotEnoughData, noAudit.State);
    }

    [Fact]
    public void The_threshold_and_the_number_of_rounds_are_parameters()
    {
        VersionSignal[] versions = [V(1, 0.95, 0.8), V(2, 0.95, 0.8)];
        Assert.False(StoppingSignal.Evaluate(versions).ShouldStop);
        Assert.True(StoppingSignal.Evaluate(versions, agreementThreshold: 0.9, rounds: 2).ShouldStop);
    }
}
