using LabelLoop.Core.Projects;
using LabelLoop.Jobs.Simulation;
using Xunit;

namespace LabelLoop.Jobs.Tests.Simulation;

public sealed class SimulationOptionsTests
{
    [Fact]
    public void Checkpoints_follow_initial_step_and_budget_or_the_label_schedule()
    {
        var stepped = new SimulationOptions { Strategies = ["random"], Initial = 10, Step = 40, Budget = 100 };
        var scheduled = stepped with { Labels = [10, 20, 50, 100, 200] };

        Assert.Equal([10, 50, 90, 100], stepped.Checkpoints());
        Assert.Equal([10, 20, 50, 100, 200], scheduled.Checkpoints());
        Assert.Empty(scheduled.Validate());
    }

    [Theory]
    [InlineData(new[] { 20, 10 })]
    [InlineData(new[] { 10, 10 })]
    [InlineData(new[] { 0, 10 })]
    [InlineData(new int[0])]
    public void A_schedule_that_is_empty_not_increasing_or_starts_below_one_is_refused(int[] labels)
    {
        var options = new SimulationOptions { Strategies = ["random"], Labels = labels };

        Assert.Contains(options.Validate(), e => e.StartsWith("--labels", StringComparison.Ordinal));
    }

    [Fact]
    public void Variants_name_the_curves_of_each_encoder()
    {
        var scratch = new SimulationOptions { Strategies = ["random"] };
        var pretrained = scratch with { Pretraining = new SimulationPretraining() };
        var all = scratch with { Pretraining = new SimulationPretraining { Modes = [FineTuneMode.FineTune, FineTuneMode.Freeze], AlsoFromScratch = true } };

        Assert.Equal([new SimulationVariant("", null)], scratch.Variants());
        Assert.Equal([new SimulationVariant("@pretrained", FineTuneMode.FineTune)], pretrained.Variants());
        Assert.Equal(["", "@pretrained", "@frozen"], all.Variants().Select(v => v.Suffix));
        Assert.Contains((scratch with { Pretraining = new SimulationPretraining { Modes = [] } }).Validate(), e => e.StartsWith("--fine-tune", StringComparison.Ordinal));
    }
}
