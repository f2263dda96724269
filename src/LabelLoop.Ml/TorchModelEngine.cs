using System.Runtime.CompilerServices;
using System.Text;
using LabelLoop.Ml.Native;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LabelLoop.Ml;

/// <summary>The production <see cref="IModelEngine"/>: libtorch through liblabelloop_native.so.</summary>
/// <remarks>
/// <para>Constructing the engine touches nothing native, so a host boots without the library; the first
/// model operation loads it (throwing <see cref="DllNotFoundException"/> that lists every path tried when it
/// is missing), applies <see cref="EngineOptions"/> once per process, and measures the CPU's matrix-product
/// rate, logging a warning when it looks like a reference BLAS.</para>
/// <para>Register as a singleton. Calls are synchronous; see <see cref="IModelEngine"/> for threading and
/// ownership.</para>
/// </remarks>
public sealed class TorchModelEngine(EngineOptions? options = null, ILogger<TorchModelEngine>? logger = null) : IModelEngine
{
    private static readonly Lock InitGate = new();
    private static EngineInfo? s_initialized;

    private readonly EngineOptions _options = options ?? new EngineOptions();
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <summary>Engine facts; initialises the native engine when the library is present. Never throws.</summary>
    public EngineInfo Info
    {
        get
        {
            var probe = Probe();
            if (!probe.NativeAvailable)
            {
                return probe;
            }

            try
            {
                return Initialize();
            }
            catch (LabelLoopNativeException e)
            {
                // For example EngineOptions.Threads out of range: the library loads but cannot be used as configured.
                return probe with { NativeAvailable = false, UnavailableReason = e.Message };
            }
        }
    }

    /// <summary>
    /// Whether the native library can be loaded, and from where, without initialising anything or
    /// measuring. Never throws.
    /// </summary>
    public static EngineInfo Probe()
    {
        if (!NativeLibraryLoader.TryLoad(out var path, out var failure))
        {
            return new EngineInfo { NativeAvailable = false, UnavailableReason = failure };
        }

        return Describe(path, blasGflops: 0);
    }

    /// <inheritdoc />
    public EngineModel CreateModel(ModelSpec spec)
    {
        Initialize();
        return TorchModel.Create(spec, _options.Device);
    }

    /// <inheritdoc />
    public EngineModel LoadModel(string path, ModelSpec? expected = null)
    {
        Initialize();
        return TorchModel.Load(path, _options.Device, expected);
    }

    /// <inheritdoc />
    public void SaveModel(EngineModel model, string path) => Torch(model).Save(path);

    /// <inheritdoc />
    public TrainingResult Train(
        EngineModel model,
        ModelBatch batch,
        ReadOnlyMemory<int> labels,
        TrainingOptions options,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
        => Torch(model).Train(batch, labels.Span, options, progress, cancellationToken);

    /// <inheritdoc />
    public PretrainingResult Pretrain(
        EngineModel model,
        ModelBatch batch,
        PretrainingOptions options,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
        => Torch(model).Pretrain(batch, options, progress, cancellationToken);

    /// <inheritdoc />
    public float[] PredictProbabilities(EngineModel model, ModelBatch batch) => Torch(model).PredictProbabilities(batch);

    /// <inheritdoc />
    public float[] PredictMonteCarlo(EngineModel model, ModelBatch batch, int passes, long seed)
        => Torch(model).PredictMonteCarlo(batch, passes, seed);

    /// <inheritdoc />
    public float[] Embed(EngineModel model, ModelBatch batch) => Torch(model).Embed(batch);

    /// <inheritdoc />
    public void CopyEncoder(EngineModel source, EngineModel target) => Torch(target).CopyEncoderFrom(Torch(source));

    /// <inheritdoc />
    public float[] DecodeImages(IReadOnlyList<ReadOnlyMemory<byte>> images, int channels, int size)
        => ImageDecoder.Decode(images, channels, size);

    private static TorchModel Torch(EngineModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model as TorchModel
            ?? throw new ArgumentException($"{model.GetType().Name} was not created by {nameof(TorchModelEngine)}.", nameof(model));
    }

    private EngineInfo Initialize()
    {
        lock (InitGate)
        {
            if (s_initialized is not null)
            {
                return s_initialized;
            }

            var path = NativeLibraryLoader.EnsureLoaded();
            LabelLoopNative.ll_engine_init(_options.Threads, unchecked((ulong)_options.Seed)).ThrowIfFailed();
            LabelLoopNative.ll_engine_measure_blas(512, 3, out var gflops).ThrowIfFailed();
            s_initialized = Describe(path, gflops);
            _logger.LogInformation(
                "LabelLoop native engine {Path}: libtorch {TorchVersion}, {Threads} CPU threads, CUDA {Cuda}, matrix product {Gflops:F1} GFLOP/s",
                path,
                s_initialized.TorchVersion,
                s_initialized.Threads,
                s_initialized.CudaAvailable ? $"available ({s_initialized.CudaDeviceCount} devices)" : "not available",
                gflops);
            if (s_initialized.SlowBlas)
            {
                _logger.LogWarning(
                    "libtorch multiplies 512x512 matrices at only {Gflops:F1} GFLOP/s (below {Threshold} GFLOP/s): it is probably using the reference BLAS, and training and scoring will be many times slower. On Debian install libopenblas0-pthread (`apt-get install libopenblas0-pthread`) and restart.",
                    gflops,
                    EngineInfo.SlowBlasThresholdGflops);
            }

            return s_initialized;
        }
    }

    private static unsafe EngineInfo Describe(string path, double blasGflops)
    {
        var info = new LlEngineInfo { StructSize = Unsafe.SizeOf<LlEngineInfo>() };
        LabelLoopNative.ll_engine_describe(&info).ThrowIfFailed();
        var version = new ReadOnlySpan<byte>(info.TorchVersion, 32);
        var end = version.IndexOf((byte)0);
        return new EngineInfo
        {
            NativeAvailable = true,
            LibraryPath = path,
            AbiVersion = info.AbiVersion,
            TorchVersion = Encoding.UTF8.GetString(end < 0 ? version : version[..end]),
            CudaAvailable = info.CudaAvailable != 0,
            CudaDeviceCount = info.CudaDeviceCount,
            Threads = info.Threads,
            BlasGflops = blasGflops,
        };
    }
}
