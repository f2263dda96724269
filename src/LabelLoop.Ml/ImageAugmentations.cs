namespace LabelLoop.Ml;

/// <summary>Train-time augmentations of image batches; text models ignore them.</summary>
[Flags]
public enum ImageAugmentations
{
    /// <summary>No augmentation.</summary>
    None = 0,

    /// <summary>Zero-pad by <see cref="TrainingOptions.CropPadding"/> pixels and crop back at a random offset.</summary>
    RandomCrop = 1,

    /// <summary>Mirror left-right with probability 1/2; only where the project's labels allow it (not for digits or text).</summary>
    HorizontalFlip = 2,

    /// <summary>Random brightness and contrast of strength <see cref="TrainingOptions.Jitter"/>.</summary>
    ColorJitter = 4,

    /// <summary>Gaussian pixel noise with standard deviation <see cref="TrainingOptions.NoiseStd"/>.</summary>
    Noise = 8,

    /// <summary>Everything except the flip, which depends on the project.</summary>
    Default = RandomCrop | ColorJitter | Noise,
}
