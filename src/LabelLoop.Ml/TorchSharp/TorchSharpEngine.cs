using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace LabelLoop.Ml.TorchSharp;

/// <summary>The model engine in managed code: libtorch through TorchSharp, the one <see cref="IModelEngine"/> the product runs.</summary>
/// <remarks>
/// <para>Constructing the engine touches nothing native; the first model operation loads libtorch, raises glibc's
/// malloc thresholds and applies <see cref="EngineOptions"/> once per process. Register as a singleton.</para>
/// <para>Every operation is synchronous and runs its tensors in dispose scopes on the calling thread, so nothing
/// is left to the finalizer. Failures, bad input included, surface as <see cref="ModelEngineException"/> naming
/// the problem; models keep the state they had before a failed or cancelled call.</para>
/// </remarks>
public sealed class TorchSharpEngine(EngineOptions? options = null, ILogger<TorchSharpEngine>? logger = null) : IModelEngine
{
    private static readonly Lock InitGate = new();

    // Weight initialisation draws from the process-wide generator; serialising it with a reseed gives each model
    // its spec seed's weights even when several threads create models at once.
    internal static readonly Lock CreateGate = new();
    private static EngineInfo? s_initialized;

    private readonly EngineOptions _options = options ?? new EngineOptions();
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <summary>Engine facts; loads and initialises libtorch. Never throws.</summary>
    public EngineInfo Info
    {
        get
        {
            try
            {
                return Initialize();
            }
#pragma warning disable CA1031 // Info must never throw: any failure to load or initialise libtorch is reported instead.
            catch (Exception e)
#pragma warning restore CA1031
            {
                return new EngineInfo { EngineAvailable = false, UnavailableReason = $"TorchSharp could not load libtorch: {e.Message}" };
            }
        }
    }

    /// <inheritdoc />
    public EngineModel CreateModel(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Initialize();
        return Guard(() =>
        {
            Checks.Spec(spec);
            return NewModel(spec, ResolveDevice());
        });
    }

    /// <inheritdoc />
    public EngineModel LoadModel(string path, ModelSpec? expected = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Initialize();
        return Guard(() => Checkpoint.Load(path, ResolveDevice(), expected));
    }

    /// <inheritdoc />
    public void SaveModel(EngineModel model, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var m = Sharp(model);
        lock (m.Gate)
        {
            Guard(() => Checkpoint.Save(m, path));
        }
    }

    /// <inheritdoc />
    public TrainingResult Train(
        EngineModel model,
        ModelBatch batch,
        ReadOnlyMemory<int> labels,
        TrainingOptions options,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(options);
        return Exclusive(model, m => Training.Run(m, batch, labels.Span, options, progress, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public PretrainingResult Pretrain(
        EngineModel model,
        ModelBatch batch,
        PretrainingOptions options,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(options);
        return Exclusive(model, m => Pretraining.Run(m, batch, options, progress, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public float[] PredictProbabilities(EngineModel model, ModelBatch batch)
    {
        var m = Sharp(model);
        var k = m.Spec.Classes;
        return Score(m, batch, k, (x, output, start, n) =>
        {
            var probabilities = nn.functional.softmax(m.Net.call(x), 1);
            Publish(probabilities, output.AsSpan(start * k));
        });
    }

    /// <inheritdoc />
    public float[] PredictMonteCarlo(EngineModel model, ModelBatch batch, int passes, long seed)
    {
        var m = Sharp(model);
        var k = m.Spec.Classes;
        Guard(() => Checks.Require(passes is >= 1 and <= 1000, $"passes is {passes}; expected 1..1000"));
        using var generator = new Generator(unchecked((ulong)seed));
        var perPass = batch?.Count * k ?? 0;
        return Score(m, batch!, checked(passes * k), (x, output, start, n) =>
        {
            var embedding = m.Net.Encode(x);
            for (var t = 0; t < passes; t++)
            {
                var logits = m.Net.Head(embedding, stochastic: true, generator);
                Publish(nn.functional.softmax(logits, 1), output.AsSpan((t * perPass) + (start * k)));
            }
        });
    }

    /// <inheritdoc />
    public float[] Embed(EngineModel model, ModelBatch batch)
    {
        var m = Sharp(model);
        var d = m.Spec.EmbeddingDim;
        return Score(m, batch, d, (x, output, start, n) => Publish(m.Net.Encode(x), output.AsSpan(start * d)));
    }

    /// <inheritdoc />
    public (float[] Probabilities, float[] Embeddings) PredictAndEmbed(EngineModel model, ModelBatch batch)
    {
        var m = Sharp(model);
        var (k, d) = (m.Spec.Classes, m.Spec.EmbeddingDim);
        var embeddings = new float[BufferSizes.Product(batch?.Count ?? 0, d, 1)];
        var probabilities = Score(m, batch!, k, (x, output, start, n) =>
        {
            // The encoder is most of the cost: run it once and read both off its output, as forward() would.
            var embedding = m.Net.Encode(x);
            Publish(embedding, embeddings.AsSpan(start * d));
            Publish(nn.functional.softmax(m.Net.Head(embedding, stochastic: false, generator: null), 1), output.AsSpan(start * k));
        });
        return (probabilities, embeddings);
    }

    /// <inheritdoc />
    public void CopyEncoder(EngineModel source, EngineModel target)
    {
        var from = Sharp(source);
        var to = Sharp(target);
        Guard(() =>
        {
            Checks.Require(!ReferenceEquals(from, to), "source and target are the same model");
            lock (from.Gate)
            {
                lock (to.Gate)
                {
                    Checks.Require(
                        from.Spec.Kind == to.Spec.Kind,
                        $"the source is a {Checks.KindName(from.Spec.Kind)} model but the target is a {Checks.KindName(to.Spec.Kind)} model");
                    using var snapshot = new StateSnapshot(from.Net.Encoder);
                    var targets = to.Net.Encoder.named_parameters().Select(p => (p.name, (Tensor)p.parameter))
                        .Concat(to.Net.Encoder.named_buffers())
                        .ToDictionary(t => t.Item1, t => t.Item2);
                    Checks.Require(
                        snapshot.Tensors.Count == targets.Count,
                        $"the source encoder has {snapshot.Tensors.Count} tensors but the target encoder has {targets.Count}");
                    foreach (var (name, value) in snapshot.Tensors)
                    {
                        Checks.Require(targets.TryGetValue(name, out var tensor), $"encoder tensor '{name}' of the source is missing from the target");
                        Checks.Require(
                            tensor!.shape.SequenceEqual(value.shape),
                            $"encoder tensor '{name}' has shape [{string.Join(", ", value.shape)}] in the source but [{string.Join(", ", tensor.shape)}] in the target");
                    }

                    snapshot.RestoreInto(to.Net.Encoder);
                }
            }
        });
    }

    /// <inheritdoc />
    /// <remarks>The managed decoder (<see cref="ImageDecoder"/>, SkiaSharp): no libtorch involved.</remarks>
    public float[] DecodeImages(IReadOnlyList<ReadOnlyMemory<byte>> images, int channels, int size)
        => ImageDecoder.Decode(images, channels, size);

    /// <summary>A freshly initialised model of a checked <paramref name="spec"/> on <paramref name="device"/>, in evaluation mode.</summary>
    internal static TorchSharpModel NewModel(ModelSpec spec, Device device)
    {
        Net net;
        lock (CreateGate)
        {
            using (manual_seed(spec.Seed))
            {
                net = new Net(spec);
            }
        }

        net.to(device);
        net.eval();
        return new TorchSharpModel(spec, device, net);
    }

    private static TorchSharpModel Sharp(EngineModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var m = model as TorchSharpModel
            ?? throw new ArgumentException($"{model.GetType().Name} was not created by {nameof(TorchSharpEngine)}.", nameof(model));
        ObjectDisposedException.ThrowIf(m.IsDisposed, m);
        return m;
    }

    /// <summary>
    /// Runs <paramref name="chunk"/> over the batch in slices (64 items on the CPU) under inference mode, each in its
    /// own dispose scope, into an output of count x <paramref name="perItem"/> floats.
    /// </summary>
    private static float[] Score(TorchSharpModel m, ModelBatch batch, int perItem, Action<Tensor, float[], int, int> chunk)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (m.Gate)
        {
            return Guard(() =>
            {
                var n = Checks.Batch(m.Spec, batch);
                var output = new float[BufferSizes.Product(n, perItem, 1)];
                using var inference = inference_mode();
                m.Net.eval();
                using var folded = m.Net.Encoder.FoldForInference();
                var size = Training.InferenceChunk(m.TorchDevice);
                for (var start = 0; start < n; start += size)
                {
                    using var scope = NewDisposeScope();
                    var len = Math.Min(size, n - start);
                    var x = Checks.Input(m.Spec, batch, start, len).to(m.TorchDevice);
                    chunk(x, output, start, len);
                }

                return output;
            });
        }
    }

    private static void Publish(Tensor result, Span<float> destination)
    {
        var cpu = result.to(CPU).contiguous();
        MemoryMarshal.Cast<byte, float>(cpu.bytes).CopyTo(destination);
    }

    private Device ResolveDevice() => _options.Device switch
    {
        ModelDevice.Auto => cuda.is_available() ? CUDA : CPU,
        ModelDevice.Cpu => CPU,
        ModelDevice.Cuda => cuda.is_available()
            ? CUDA
            : throw new ModelEngineException(
                EngineStatus.InvalidArgument,
                "device is cuda but CUDA is not available (this libtorch lacks or cannot reach a CUDA device); use auto or cpu"),
        _ => throw new ModelEngineException(EngineStatus.InvalidArgument, $"device is {(int)_options.Device}; expected auto (0), cpu (1) or cuda (2)"),
    };

    /// <summary>Turns libtorch's own failures into the engine's exception; ours and cancellation pass through.</summary>
    /// <summary>A long step (training, pretraining) on <paramref name="model"/>, alone on it, with errors mapped.</summary>
    private static T Exclusive<T>(EngineModel model, Func<TorchSharpModel, T> step, CancellationToken cancellationToken)
    {
        var m = Sharp(model);
        cancellationToken.ThrowIfCancellationRequested();
        lock (m.Gate)
        {
            return Guard(() => step(m));
        }
    }

    private static T Guard<T>(Func<T> body)
    {
        try
        {
            return body();
        }
        catch (ExternalException e)
        {
            throw new ModelEngineException(EngineStatus.TorchError, e.Message);
        }
        catch (OutOfMemoryException e)
        {
            throw new ModelEngineException(EngineStatus.OutOfMemory, e.Message);
        }
    }

    private static void Guard(Action body) => Guard(() =>
    {
        body();
        return true;
    });

    private EngineInfo Initialize()
    {
        lock (InitGate)
        {
            if (s_initialized is not null)
            {
                return s_initialized;
            }

            // Before libtorch loads its OpenMP runtime and allocates anything.
            ProcessTuning.KeepActivationBuffers();
            ProcessTuning.SetOpenMpWaiting(_options.DedicatedCores);
            Checks.Require(_options.Threads is >= 0 and <= 1024, $"threads is {_options.Threads}; expected 0 (keep) or 1..1024");
            if (_options.Threads > 0)
            {
                set_num_threads(_options.Threads);
            }

            manual_seed(_options.Seed).Dispose();
            var gflops = MeasureBlas(512, 3);
            s_initialized = new EngineInfo
            {
                EngineAvailable = true,
                LibraryPath = typeof(torch).Assembly.Location,
                TorchSharpVersion = typeof(torch).Assembly.GetName().Version?.ToString(3),
                TorchVersion = __version__,
                CudaAvailable = cuda.is_available(),
                CudaDeviceCount = cuda.is_available() ? cuda.device_count() : 0,
                Threads = get_num_threads(),
                BlasGflops = gflops,
            };
            _logger.LogInformation(
                "LabelLoop TorchSharp engine: libtorch {TorchVersion}, {Threads} CPU threads, CUDA {Cuda}, matrix product {Gflops:F1} GFLOP/s",
                s_initialized.TorchVersion,
                s_initialized.Threads,
                s_initialized.CudaAvailable ? $"available ({s_initialized.CudaDeviceCount} devices)" : "not available",
                gflops);
            return s_initialized;
        }
    }

    private static double MeasureBlas(int n, int repeats)
    {
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        using var generator = new Generator(12345);
        var a = randn([n, n], generator: generator);
        var b = randn([n, n], generator: generator);
        mm(a, b).Dispose();
        var best = double.PositiveInfinity;
        for (var r = 0; r < repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            mm(a, b).Dispose();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }

        return 2.0 * n * n * (double)n / Math.Max(best, 1e-9) / 1e9;
    }
}
