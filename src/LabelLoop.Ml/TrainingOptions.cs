namespace LabelLoop.Ml;

/// <summary>How to train a model.</summary>
/// <remarks>
/// The engine validates every value and reports the first bad one in a
/// <see cref="ModelEngineException"/>. With the same options, data and <see cref="Seed"/>, training on
/// the CPU with the same thread count reproduces the same weights.
/// </remarks>
public sealed record TrainingOptions
{
    /// <summary>Maximum number of passes over the training items (1..10000).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Items per optimizer step.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Learning rate of the head; the encoder's is this times <see cref="EncoderLearningRateMultiplier"/>.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Weight decay (L2 for Adam, decoupled for AdamW).</summary>
    public float WeightDecay { get; init; } = 1e-4f;

    /// <summary>The optimizer.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.AdamW;

    /// <summary>The learning-rate schedule, applied per epoch.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Cosine;

    /// <summary>For <see cref="LearningRateSchedule.Step"/>: epochs per step.</summary>
    public int StepEpochs { get; init; } = 5;

    /// <summary>For <see cref="LearningRateSchedule.Step"/>: rate factor per step, in (0, 1].</summary>
    public float StepGamma { get; init; } = 0.5f;

    /// <summary>Fraction of items (rounded down, at most 0.9) held out to measure accuracy after each epoch; 0 disables it.</summary>
    public float ValidationFraction { get; init; } = 0.1f;

    /// <summary>Epochs without validation gain before training stops early; 0 never stops early.</summary>
    /// <remarks>With a validation split the model ends with the weights of its best epoch.</remarks>
    public int Patience { get; init; } = 3;

    /// <summary>Loss weight per class (length = classes), or null for equal weights unless <see cref="BalanceClasses"/> is set.</summary>
    public IReadOnlyList<float>? ClassWeights { get; init; }

    /// <summary>When <see cref="ClassWeights"/> is null, weight each class by n / (classes x its count) to offset imbalance.</summary>
    public bool BalanceClasses { get; init; }

    /// <summary>Encoder learning rate relative to the head's: 1 trains everything alike, 0.1 fine-tunes a pretrained encoder gently, 0 freezes it.</summary>
    public float EncoderLearningRateMultiplier { get; init; } = 1f;

    /// <summary>Image augmentations applied to training batches.</summary>
    public ImageAugmentations Augmentations { get; init; } = ImageAugmentations.Default;

    /// <summary>Padding in pixels for <see cref="ImageAugmentations.RandomCrop"/>.</summary>
    public int CropPadding { get; init; } = 2;

    /// <summary>Strength of <see cref="ImageAugmentations.ColorJitter"/>, in [0, 1].</summary>
    public float Jitter { get; init; } = 0.2f;

    /// <summary>Standard deviation of <see cref="ImageAugmentations.Noise"/>, in [0, 1].</summary>
    public float NoiseStd { get; init; } = 0.02f;

    /// <summary>Seeds the validation split, shuffling, augmentation and dropout.</summary>
    public long Seed { get; init; } = 1;
}
