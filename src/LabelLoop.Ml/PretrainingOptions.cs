namespace LabelLoop.Ml;

/// <summary>
/// How to pretrain an encoder on unlabeled items: contrastive views for images (SimCLR), masked tokens for
/// text. A long run may be split over several calls (to checkpoint between them): give every call the
/// whole run's <see cref="TotalEpochs"/> and its own <see cref="FirstEpoch"/>, so the learning rate follows
/// one cosine schedule.
/// </summary>
public sealed record PretrainingOptions
{
    /// <summary>Epochs in this call (1..10000).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>1-based number of this call's first epoch within the run.</summary>
    public int FirstEpoch { get; init; } = 1;

    /// <summary>Epochs of the whole run; 0 means this call is the whole run.</summary>
    public int TotalEpochs { get; init; }

    /// <summary>Items per step; a contrastive step sees twice as many views.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Peak learning rate (AdamW), followed by a cosine decay over <see cref="TotalEpochs"/>.</summary>
    public float LearningRate { get; init; } = 2e-3f;

    /// <summary>Decoupled weight decay.</summary>
    public float WeightDecay { get; init; } = 1e-4f;

    /// <summary>Contrastive: NT-Xent temperature.</summary>
    public float Temperature { get; init; } = 0.2f;

    /// <summary>Contrastive: width of the projection head's output.</summary>
    public int ProjectionDim { get; init; } = 64;

    /// <summary>Contrastive: the random resized crop keeps at least this share of the image's area.</summary>
    public float CropMinScale { get; init; } = 0.35f;

    /// <summary>Contrastive: flip half the views horizontally (off where orientation carries meaning).</summary>
    public bool HorizontalFlip { get; init; } = true;

    /// <summary>Contrastive: brightness and contrast jitter strength, in [0, 1].</summary>
    public float Jitter { get; init; } = 0.4f;

    /// <summary>Contrastive: Gaussian noise standard deviation, in [0, 1].</summary>
    public float NoiseStd { get; init; } = 0.05f;

    /// <summary>Masked tokens: share of the non-padding tokens hidden.</summary>
    public float MaskFraction { get; init; } = 0.15f;

    /// <summary>Masked tokens: the id that replaces a hidden token (the tokenizer's unknown-word id by default).</summary>
    public int MaskToken { get; init; } = 1;

    /// <summary>Seeds shuffling, augmentation, masking and the pretext head.</summary>
    public long Seed { get; init; } = 1;
}

/// <summary>The outcome of one pretraining call.</summary>
/// <param name="EpochsRun">Epochs run in the call.</param>
/// <param name="FirstLoss">Mean pretext loss of the call's first epoch.</param>
/// <param name="FinalLoss">Mean pretext loss of the call's last epoch.</param>
/// <param name="ItemsPerSecond">Items (not views) per second over the call.</param>
public sealed record PretrainingResult(int EpochsRun, float FirstLoss, float FinalLoss, double ItemsPerSecond);
