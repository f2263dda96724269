using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using LabelLoop.Ml.Native;

namespace LabelLoop.Ml;

/// <summary>A libtorch model (encoder + classification head) owned by the native engine.</summary>
/// <remarks>
/// <para>Every method is synchronous and CPU/GPU-bound, and blocks the calling thread; call it from a
/// worker, never from a request thread. Use one model from one thread at a time (the native side serialises
/// concurrent calls rather than crashing). Different models may run concurrently.</para>
/// <para>The caller owns the model and must dispose it; the weights live in native memory, released by a
/// <see cref="SafeHandle"/> (no finalizer on this class).</para>
/// <para>Every native failure, including bad input, surfaces as <see cref="LabelLoopNativeException"/>.</para>
/// </remarks>
public sealed unsafe class TorchModel : EngineModel
{
    private readonly SafeModelHandle _handle;

    private TorchModel(SafeModelHandle handle)
    {
        _handle = handle;
        var config = new LlModelConfig { StructSize = Unsafe.SizeOf<LlModelConfig>() };
        LabelLoopNative.ll_model_describe(handle, ref config, out var device).ThrowIfFailed();
        Spec = ModelSpec.FromNative(config);
        Device = (ModelDevice)device;
    }

    /// <inheritdoc />
    public override ModelSpec Spec { get; }

    /// <summary>The device the model runs on: <see cref="ModelDevice.Cpu"/> or <see cref="ModelDevice.Cuda"/>.</summary>
    public ModelDevice Device { get; }

    /// <summary>Creates a freshly initialised model; the same <see cref="ModelSpec.Seed"/> gives the same weights.</summary>
    /// <exception cref="LabelLoopNativeException">A spec field is out of range, or CUDA was requested and is unavailable.</exception>
    /// <exception cref="DllNotFoundException">The native library could not be loaded.</exception>
    public static TorchModel Create(ModelSpec spec, ModelDevice device = ModelDevice.Auto)
    {
        ArgumentNullException.ThrowIfNull(spec);
        NativeLibraryLoader.EnsureLoaded();
        var config = spec.ToNative();
        var status = LabelLoopNative.ll_model_create(config, (int)device, out var handle);
        return Adopt(status, handle);
    }

    /// <summary>Loads a checkpoint written by <see cref="Save"/>, in this process or another.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="device">Where to place the weights.</param>
    /// <param name="expected">When given, the checkpoint's architecture must match it; a difference names the field.</param>
    /// <exception cref="LabelLoopNativeException">
    /// The file is missing, truncated or corrupt (<see cref="NativeStatus.IoError"/>), or holds another format
    /// version or architecture (<see cref="NativeStatus.InvalidArgument"/>).
    /// </exception>
    public static TorchModel Load(string path, ModelDevice device = ModelDevice.Auto, ModelSpec? expected = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        NativeLibraryLoader.EnsureLoaded();
        NativeStatus status;
        SafeModelHandle handle;
        if (expected is null)
        {
            status = LabelLoopNative.ll_model_load(path, (int)device, null, out handle);
        }
        else
        {
            var config = expected.ToNative();
            status = LabelLoopNative.ll_model_load(path, (int)device, &config, out handle);
        }

        return Adopt(status, handle);
    }

    /// <summary>
    /// Trains the model in place on a whole batch. With a validation split the model ends with its best
    /// epoch's weights; after a failure or cancellation it keeps the weights it had before the call.
    /// </summary>
    /// <param name="batch">The training items.</param>
    /// <param name="labels">One label per item, each in [0, classes).</param>
    /// <param name="options">Optimizer, schedule, validation, augmentation and seed.</param>
    /// <param name="progress">Receives one report per epoch, on the calling thread (through <see cref="IProgress{T}"/>'s own context).</param>
    /// <param name="cancellationToken">Checked after every batch; cancellation stops training within one batch.</param>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="LabelLoopNativeException">Bad input (sizes, NaN/Inf, zero items, labels out of range, options).</exception>
    public TrainingResult Train(
        ModelBatch batch,
        ReadOnlySpan<int> labels,
        TrainingOptions options,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();
        var nativeOptions = NativeTraining.ToNative(options, Spec);
        var weights = NativeTraining.ClassWeights(options, labels, Spec.Classes);
        var state = new NativeTraining.CallbackState(progress, cancellationToken);
        var stateHandle = GCHandle.Alloc(state);
        try
        {
            var result = new LlTrainResult { StructSize = Unsafe.SizeOf<LlTrainResult>() };
            NativeStatus status;
            using (var pins = new BatchPins(batch))
            {
                fixed (int* labelPtr = labels)
                fixed (float* weightPtr = weights)
                {
                    status = LabelLoopNative.ll_model_train(
                        _handle,
                        pins.Batch,
                        labelPtr,
                        labels.Length,
                        weightPtr,
                        weights?.Length ?? 0,
                        nativeOptions,
                        &NativeTraining.OnProgress,
                        (void*)GCHandle.ToIntPtr(stateHandle),
                        ref result);
                }
            }

            if (status == NativeStatus.Cancelled)
            {
                if (state.Error is not null)
                {
                    ExceptionDispatchInfo.Throw(state.Error);
                }

                throw new OperationCanceledException("Training was cancelled; the model keeps its previous weights.", cancellationToken);
            }

            status.ThrowIfFailed();
            return NativeTraining.FromNative(result);
        }
        finally
        {
            stateHandle.Free();
        }
    }

    /// <summary>Pretrains the encoder on unlabeled items; the classification head is untouched.</summary>
    /// <exception cref="OperationCanceledException">The token was cancelled; the encoder keeps its previous weights.</exception>
    /// <exception cref="LabelLoopNativeException">Bad input or options.</exception>
    public PretrainingResult Pretrain(
        ModelBatch batch,
        PretrainingOptions options,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();
        var nativeOptions = NativeTraining.ToNative(options, Spec);
        var state = new NativeTraining.CallbackState(progress, cancellationToken);
        var stateHandle = GCHandle.Alloc(state);
        try
        {
            var result = new LlPretrainResult { StructSize = Unsafe.SizeOf<LlPretrainResult>() };
            NativeStatus status;
            using (var pins = new BatchPins(batch))
            {
                status = LabelLoopNative.ll_model_pretrain(
                    _handle,
                    pins.Batch,
                    nativeOptions,
                    &NativeTraining.OnProgress,
                    (void*)GCHandle.ToIntPtr(stateHandle),
                    ref result);
            }

            if (status == NativeStatus.Cancelled)
            {
                if (state.Error is not null)
                {
                    ExceptionDispatchInfo.Throw(state.Error);
                }

                throw new OperationCanceledException("Pretraining was cancelled; the encoder keeps its previous weights.", cancellationToken);
            }

            status.ThrowIfFailed();
            return new PretrainingResult(result.EpochsRun, result.FirstLoss, result.FinalLoss, result.ItemsPerSecond);
        }
        finally
        {
            stateHandle.Free();
        }
    }

    /// <summary>Class probabilities for every item: Count x classes floats, row-major. Dropout is off, so repeated calls agree.</summary>
    /// <exception cref="LabelLoopNativeException">Bad input (sizes, NaN/Inf, zero items, token ids out of range).</exception>
    public float[] PredictProbabilities(ModelBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var output = new float[OutputLength(batch.Count, Spec.Classes, 1)];
        PredictProbabilities(batch, output);
        return output;
    }

    /// <summary>Class probabilities written into <paramref name="destination"/> (at least Count x classes floats).</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public void PredictProbabilities(ModelBatch batch, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(batch);
        BufferSizes.RequireLength(destination.Length, OutputLength(batch.Count, Spec.Classes, 1), nameof(destination));
        using var pins = new BatchPins(batch);
        fixed (float* output = destination)
        {
            LabelLoopNative.ll_model_predict(_handle, pins.Batch, output, destination.Length, out _).ThrowIfFailed();
        }
    }

    /// <summary>
    /// Monte Carlo dropout: <paramref name="passes"/> stochastic passes of the head with dropout on. Returns
    /// passes x Count x classes floats, pass-major. The encoder runs once per item.
    /// </summary>
    /// <param name="batch">The items.</param>
    /// <param name="passes">Number of stochastic passes T (1..1000).</param>
    /// <param name="seed">Makes the passes reproducible on the CPU.</param>
    public float[] PredictMonteCarlo(ModelBatch batch, int passes, long seed)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentOutOfRangeException.ThrowIfLessThan(passes, 1);
        var output = new float[OutputLength(batch.Count, Spec.Classes, passes)];
        using var pins = new BatchPins(batch);
        fixed (float* p = output)
        {
            LabelLoopNative.ll_model_predict_mc(_handle, pins.Batch, passes, unchecked((ulong)seed), p, output.Length, out _).ThrowIfFailed();
        }

        return output;
    }

    /// <summary>Encoder embeddings: Count x <see cref="ModelSpec.EmbeddingDim"/> floats, row-major.</summary>
    public float[] Embed(ModelBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var output = new float[OutputLength(batch.Count, Spec.EmbeddingDim, 1)];
        using var pins = new BatchPins(batch);
        fixed (float* p = output)
        {
            LabelLoopNative.ll_model_embed(_handle, pins.Batch, p, output.Length, out _).ThrowIfFailed();
        }

        return output;
    }

    /// <summary>Writes a versioned checkpoint atomically (a failure never leaves a partial file at <paramref name="path"/>).</summary>
    /// <exception cref="LabelLoopNativeException">The file cannot be written (<see cref="NativeStatus.IoError"/>).</exception>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        LabelLoopNative.ll_model_save(_handle, path).ThrowIfFailed();
    }

    /// <summary>
    /// Copies every encoder weight of <paramref name="source"/> into this model, leaving this head as it is:
    /// fine-tuning committee members from one pretrained encoder.
    /// </summary>
    /// <exception cref="LabelLoopNativeException">The encoders differ; the message names the first differing tensor.</exception>
    public void CopyEncoderFrom(TorchModel source)
    {
        ArgumentNullException.ThrowIfNull(source);
        LabelLoopNative.ll_model_copy_encoder(source._handle, _handle).ThrowIfFailed();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _handle.Dispose();
        }

        base.Dispose(disposing);
    }

    private static TorchModel Adopt(NativeStatus status, SafeModelHandle handle)
    {
        try
        {
            status.ThrowIfFailed();
            return new TorchModel(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static int OutputLength(int count, int perItem, int passes)
        => BufferSizes.Product(count, perItem, passes);
}
