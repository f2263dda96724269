using System.Runtime.InteropServices;

namespace LabelLoop.Ml.Native;

// Mirrors of the structs in labelloop_native.h. Field order and widths must match exactly; the
// native side rejects a struct_size it does not know, and NativeStructTests pins the sizes.

[StructLayout(LayoutKind.Sequential)]
internal struct LlModelConfig
{
    public int StructSize;
    public int Kind;
    public int NClasses;
    public int EmbeddingDim;
    public int Width;
    public int Channels;
    public int ImageSize;
    public int VocabSize;
    public int MaxTokens;
    public float Dropout;
    public ulong Seed;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct LlBatch
{
    public long NItems;
    public float* Pixels;
    public long NPixels;
    public long* Tokens;
    public long NTokens;
}

[StructLayout(LayoutKind.Sequential)]
internal struct LlTrainOptions
{
    public int StructSize;
    public int Epochs;
    public int BatchSize;
    public int Optimizer;
    public float LearningRate;
    public float WeightDecay;
    public float EncoderLrMultiplier;
    public int Schedule;
    public int StepEpochs;
    public float StepGamma;
    public float ValidationFraction;
    public int Patience;
    public int Augment;
    public int CropPadding;
    public float Jitter;
    public float NoiseStd;
    public ulong Seed;
}

[StructLayout(LayoutKind.Sequential)]
internal struct LlProgress
{
    public int StructSize;
    public int Epoch;
    public int Epochs;
    public int Batch;
    public int Batches;
    public int EpochEnd;
    public float TrainLoss;
    public float ValLoss;
    public float ValAccuracy;
    public float LearningRate;
}

[StructLayout(LayoutKind.Sequential)]
internal struct LlTrainResult
{
    public int StructSize;
    public int EpochsRun;
    public int BestEpoch;
    public int StoppedEarly;
    public int NTrain;
    public int NValidation;
    public float FinalTrainLoss;
    public float BestValLoss;
    public float BestValAccuracy;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct LlEngineInfo
{
    public int StructSize;
    public int AbiVersion;
    public int Threads;
    public int CudaAvailable;
    public int CudaDeviceCount;
    public fixed byte TorchVersion[32];
}

[StructLayout(LayoutKind.Sequential)]
internal struct LlPretrainOptions
{
    public int StructSize;
    public int Pretext;
    public int Epochs;
    public int FirstEpoch;
    public int TotalEpochs;
    public int BatchSize;
    public float LearningRate;
    public float WeightDecay;
    public float Temperature;
    public int ProjectionDim;
    public float CropMinScale;
    public int Flip;
    public float Jitter;
    public float NoiseStd;
    public float MaskFraction;
    public int MaskToken;
    public ulong Seed;
}

[StructLayout(LayoutKind.Sequential)]
internal struct LlPretrainResult
{
    public int StructSize;
    public int EpochsRun;
    public float FirstLoss;
    public float FinalLoss;
    public double ItemsPerSecond;
}
