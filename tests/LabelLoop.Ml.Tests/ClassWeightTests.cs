using LabelLoop.Ml.TorchSharp;

namespace LabelLoop.Ml.Tests;

public sealed class ClassWeightTests
{
    [Fact]
    public void Balanced_weights_offset_class_frequency()
    {
        var weights = Training.ClassWeights(new TrainingOptions { BalanceClasses = true }, [0, 0, 0, 1], 3);

        Assert.NotNull(weights);
        Assert.Equal(4f / 9f, weights[0], 5);
        Assert.Equal(4f / 3f, weights[1], 5);
        Assert.Equal(0f, weights[2]);
    }

    [Fact]
    public void Explicit_weights_win_over_balancing()
    {
        var options = new TrainingOptions { BalanceClasses = true, ClassWeights = [1f, 5f] };

        Assert.Equal([1f, 5f], Training.ClassWeights(options, [0, 1], 2)!);
    }

    [Fact]
    public void Equal_weights_leave_the_loss_unweighted()
        => Assert.Null(Training.ClassWeights(new TrainingOptions(), [0, 1], 2));
}
