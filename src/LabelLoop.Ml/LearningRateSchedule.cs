namespace LabelLoop.Ml;

/// <summary>How the learning rate changes over epochs.</summary>
public enum LearningRateSchedule
{
    /// <summary>The rate stays at <see cref="TrainingOptions.LearningRate"/>.</summary>
    Constant = 0,

    /// <summary>Cosine decay from the full rate at the first epoch towards zero at the last.</summary>
    Cosine = 1,

    /// <summary>Multiplied by <see cref="TrainingOptions.StepGamma"/> every <see cref="TrainingOptions.StepEpochs"/> epochs.</summary>
    Step = 2,
}
