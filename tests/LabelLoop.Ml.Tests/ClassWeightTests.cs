using LabelLoop.Ml.Native;

namespace LabelLoop.Ml.Tests;

public sealed class ClassWeightTests
{
    [Fact]
    public void Balanced_weights_offset_class_frequency()
    {
        var weights = NativeTraining.ClassWeights(new TrainingOptions { BalanceClasses = true }, [0, 0, 0, 1], 3);

        Assert.NotNull(weights);
        Assert.Equal(4f / 9f, weights[0], 5);
        Assert.Equal(4f / 3f, weights[1], 5);
        Assert.Equal(0f, weights[2]);
    }

    [Fact]
    public void Explicit_weights_win_over_balancing()
    {
        var options = new TrainingOptions { BalanceClasses = true, ClassWeights = [1f, 5f] };

        Assert.Equal([1f, 5f], NativeTraining.ClassWeights(options, [0, 1], 2)!);
    }

    [Fact]
    public void Equal_weights_are_left_to_the_native_default()
        => Assert.Null(NativeTraining.ClassWeights(new TrainingOptions(), [0, 1], 2));

    [Fact]
    public void Text_models_get_no_image_augmentation()
    {
        var spec = new ModelSpec { Kind = ModelKind.TextConv, Classes = 2, VocabularySize = 10, MaxTokens = 4 };

        Assert.Equal(0, NativeTraining.ToNative(new TrainingOptions(), spec).Augment);
        Assert.Equal((int)ImageAugmentations.Default, NativeTraining.ToNative(new TrainingOptions(), TestData.ImageSpec()).Augment);
    }
}
