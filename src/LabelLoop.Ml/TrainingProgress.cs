namespace LabelLoop.Ml;

/// <summary>Progress reported at the end of each training epoch.</summary>
/// <param name="Epoch">The epoch just finished, 1-based.</param>
/// <param name="Epochs">The planned number of epochs (early stopping may end sooner).</param>
/// <param name="TrainLoss">Mean training loss over the epoch.</param>
/// <param name="ValidationLoss">Mean validation loss, or null without a validation split.</param>
/// <param name="ValidationAccuracy">Validation accuracy in [0, 1], or null without a validation split.</param>
/// <param name="LearningRate">The head's learning rate during the epoch.</param>
public sealed record TrainingProgress(
    int Epoch,
    int Epochs,
    float TrainLoss,
    float? ValidationLoss,
    float? ValidationAccuracy,
    float LearningRate);
