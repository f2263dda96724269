namespace LabelLoop.Ml;

/// <summary>The outcome of a completed training run.</summary>
/// <param name="EpochsRun">Epochs actually run.</param>
/// <param name="BestEpoch">The epoch whose weights the model now holds.</param>
/// <param name="StoppedEarly">True when <see cref="TrainingOptions.Patience"/> ran out.</param>
/// <param name="FinalTrainLoss">Mean training loss of the last epoch run.</param>
/// <param name="BestValidationLoss">Validation loss of <see cref="BestEpoch"/>, or null without a validation split.</param>
/// <param name="BestValidationAccuracy">Validation accuracy of <see cref="BestEpoch"/>, or null without a validation split.</param>
/// <param name="TrainItems">Items trained on.</param>
/// <param name="ValidationItems">Items held out for validation.</param>
public sealed record TrainingResult(
    int EpochsRun,
    int BestEpoch,
    bool StoppedEarly,
    float FinalTrainLoss,
    float? BestValidationLoss,
    float? BestValidationAccuracy,
    int TrainItems,
    int ValidationItems);
