using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LabelLoop.Ml.Native;

/// <summary>Translation between <see cref="TrainingOptions"/> and the native training call, and its progress callback.</summary>
internal static unsafe class NativeTraining
{
    internal static LlTrainOptions ToNative(TrainingOptions o, ModelSpec spec) => new()
    {
        StructSize = Unsafe.SizeOf<LlTrainOptions>(),
        Epochs = o.Epochs,
        BatchSize = o.BatchSize,
        Optimizer = (int)o.Optimizer,
        LearningRate = o.LearningRate,
        WeightDecay = o.WeightDecay,
        EncoderLrMultiplier = o.EncoderLearningRateMultiplier,
        Schedule = (int)o.Schedule,
        StepEpochs = o.StepEpochs,
        StepGamma = o.StepGamma,
        ValidationFraction = o.ValidationFraction,
        Patience = o.Patience,
        Augment = spec.IsText ? 0 : (int)o.Augmentations,
        CropPadding = o.CropPadding,
        Jitter = o.Jitter,
        NoiseStd = o.NoiseStd,
        Seed = unchecked((ulong)o.Seed),
    };

    internal static LlPretrainOptions ToNative(PretrainingOptions o, ModelSpec spec) => new()
    {
        StructSize = Unsafe.SizeOf<LlPretrainOptions>(),
        Pretext = spec.IsText ? 2 : 1,
        Epochs = o.Epochs,
        FirstEpoch = o.FirstEpoch,
        TotalEpochs = o.TotalEpochs > 0 ? o.TotalEpochs : o.FirstEpoch + o.Epochs - 1,
        BatchSize = o.BatchSize,
        LearningRate = o.LearningRate,
        WeightDecay = o.WeightDecay,
        Temperature = o.Temperature,
        ProjectionDim = o.ProjectionDim,
        CropMinScale = o.CropMinScale,
        Flip = o.HorizontalFlip ? 1 : 0,
        Jitter = o.Jitter,
        NoiseStd = o.NoiseStd,
        MaskFraction = o.MaskFraction,
        MaskToken = o.MaskToken,
        Seed = unchecked((ulong)o.Seed),
    };

    /// <summary>The explicit weights, the balanced weights, or null for equal weights.</summary>
    internal static float[]? ClassWeights(TrainingOptions o, ReadOnlySpan<int> labels, int classes)
    {
        if (o.ClassWeights is not null)
        {
            return [.. o.ClassWeights];
        }

        if (!o.BalanceClasses || labels.IsEmpty || classes <= 0)
        {
            return null;
        }

        var counts = new int[classes];
        foreach (var label in labels)
        {
            // Out-of-range labels are left for the native check, which names them.
            if ((uint)label < (uint)classes)
            {
                counts[label]++;
            }
        }

        var weights = new float[classes];
        for (var k = 0; k < classes; k++)
        {
            weights[k] = counts[k] == 0 ? 0f : (float)labels.Length / (classes * counts[k]);
        }

        return weights;
    }

    internal static TrainingResult FromNative(in LlTrainResult r) => new(
        r.EpochsRun,
        r.BestEpoch,
        r.StoppedEarly != 0,
        r.FinalTrainLoss,
        NullIfNaN(r.BestValLoss),
        NullIfNaN(r.BestValAccuracy),
        r.NTrain,
        r.NValidation);

    [UnmanagedCallersOnly]
    internal static int OnProgress(LlProgress* progress, void* userData)
    {
        var state = (CallbackState)GCHandle.FromIntPtr((IntPtr)userData).Target!;
        try
        {
            if (state.Token.IsCancellationRequested)
            {
                return 1;
            }

            if (progress->EpochEnd != 0)
            {
                state.Progress?.Report(new TrainingProgress(
                    progress->Epoch,
                    progress->Epochs,
                    progress->TrainLoss,
                    NullIfNaN(progress->ValLoss),
                    NullIfNaN(progress->ValAccuracy),
                    progress->LearningRate));
            }

            return 0;
        }
#pragma warning disable CA1031 // An exception must not unwind through native frames: keep it, stop training, rethrow after.
        catch (Exception e)
#pragma warning restore CA1031
        {
            state.Error = e;
            return 1;
        }
    }

    private static float? NullIfNaN(float value) => float.IsNaN(value) ? null : value;

    internal sealed class CallbackState(IProgress<TrainingProgress>? progress, CancellationToken token)
    {
        public IProgress<TrainingProgress>? Progress { get; } = progress;

        public CancellationToken Token { get; } = token;

        public Exception? Error { get; set; }
    }
}
