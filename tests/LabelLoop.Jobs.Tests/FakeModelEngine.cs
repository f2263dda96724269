using System.Text.Json;
using LabelLoop.Ml;

namespace LabelLoop.Jobs.Tests;

/// <summary>
/// A deterministic stand-in for the libtorch engine: "decodes" an image to its bytes' mean, predicts a peaked
/// distribution from an item's first value, and trains by counting epochs (optionally slowly, to be cancelled).
/// </summary>
public sealed class FakeModelEngine : IModelEngine
{
    private int _trainCalls;

    /// <summary>A pause per epoch, for cancel tests.</summary>
    public TimeSpan EpochDelay { get; set; }

    /// <summary>Thrown from <see cref="PredictProbabilities"/> when set: a failure after training.</summary>
    public Exception? PredictFailure { get; set; }

    public int TrainCalls => _trainCalls;

    private int _pretrainCalls;

    public EngineInfo Info => new() { EngineAvailable = false, UnavailableReason = "fake engine" };

    public EngineModel CreateModel(ModelSpec spec) => new FakeModel(spec);

    /// <summary>The spec the checkpoint was saved with (as the real engine reads it back), or <paramref name="expected"/>.</summary>
    public EngineModel LoadModel(string path, ModelSpec? expected = null)
    {
        if (expected is not null)
        {
            return new FakeModel(expected);
        }
        return new FakeModel(File.Exists(path) && JsonSerializer.Deserialize<ModelSpec>(File.ReadAllText(path)) is { } saved ? saved : ModelSpec.ForImages(2));
    }

    public void SaveModel(EngineModel model, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(model.Spec));
    }

    public TrainingResult Train(EngineModel model, ModelBatch batch, ReadOnlyMemory<int> labels, TrainingOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _trainCalls);
        if (labels.Length != batch.Count)
        {
            throw new ArgumentException("one label per item");
        }
        for (var epoch = 1; epoch <= options.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (EpochDelay > TimeSpan.Zero)
            {
                cancellationToken.WaitHandle.WaitOne(EpochDelay);
                cancellationToken.ThrowIfCancellationRequested();
            }
            progress?.Report(new TrainingProgress(epoch, options.Epochs, 1f / epoch, null, null, options.LearningRate));
        }
        return new TrainingResult(options.Epochs, options.Epochs, false, 1f / options.Epochs, null, null, batch.Count, 0);
    }

    public int PretrainCalls => _pretrainCalls;

    public PretrainingResult Pretrain(EngineModel model, ModelBatch batch, PretrainingOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _pretrainCalls);
        for (var epoch = 1; epoch <= options.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (EpochDelay > TimeSpan.Zero)
            {
                cancellationToken.WaitHandle.WaitOne(EpochDelay);
                cancellationToken.ThrowIfCancellationRequested();
            }
            progress?.Report(new TrainingProgress(epoch, options.Epochs, 1f / epoch, null, null, options.LearningRate));
        }
        return new PretrainingResult(options.Epochs, 1f, 1f / options.Epochs, 1000);
    }

    public float[] PredictProbabilities(EngineModel model, ModelBatch batch)
    {
        if (PredictFailure is not null)
        {
            throw PredictFailure;
        }
        var classes = model.Spec.Classes;
        var width = model.Spec.ValuesPerItem;
        var output = new float[batch.Count * classes];
        for (var i = 0; i < batch.Count; i++)
        {
            var value = model.Spec.IsText ? batch.Tokens.Span[i * width] % 97 / 97f : batch.Pixels.Span[i * width];
            // Peaked at a class that depends on the value; the peak height depends on it too, so items rank apart.
            var best = (int)(value * 1000) % classes;
            var peak = 0.3f + (0.6f * value);
            for (var c = 0; c < classes; c++)
            {
                output[(i * classes) + c] = c == best ? peak : (1 - peak) / (classes - 1);
            }
        }
        return output;
    }

    public float[] PredictMonteCarlo(EngineModel model, ModelBatch batch, int passes, long seed) =>
        Enumerable.Range(0, passes).SelectMany(_ => PredictProbabilities(model, batch)).ToArray();

    /// <summary>
    /// Embed an image as its pixels (cycled to the embedding's width) rather than as zeros, so that heads trained on the
    /// embeddings learn something and differ by their samples.
    /// </summary>
    public bool EmbedsPixels { get; init; }

    public float[] Embed(EngineModel model, ModelBatch batch)
    {
        var dim = model.Spec.EmbeddingDim;
        var output = new float[batch.Count * dim];
        if (EmbedsPixels && batch.Count > 0 && batch.Pixels.Length > 0)
        {
            var pixels = batch.Pixels.Span;
            var per = pixels.Length / batch.Count;
            for (var i = 0; i < batch.Count; i++)
            {
                for (var d = 0; d < dim; d++)
                {
                    output[(i * dim) + d] = pixels[(i * per) + (d % per)];
                }
            }
        }
        return output;
    }

    public int CopyEncoderCalls => _copyEncoderCalls;

    private int _copyEncoderCalls;

    public void CopyEncoder(EngineModel source, EngineModel target) => Interlocked.Increment(ref _copyEncoderCalls);

    /// <summary>
    /// Decode images for real (the managed decoder the real engine uses) rather than into one hash-derived value
    /// each, so that with <see cref="EmbedsPixels"/> alike images embed alike.
    /// </summary>
    public bool DecodesPixels { get; init; }

    public float[] DecodeImages(IReadOnlyList<ReadOnlyMemory<byte>> images, int channels, int size)
    {
        if (DecodesPixels)
        {
            return ImageDecoder.Decode(images, channels, size);
        }
        var per = channels * size * size;
        var output = new float[images.Count * per];
        for (var i = 0; i < images.Count; i++)
        {
            var span = images[i].Span;
            var sum = 0L;
            foreach (var b in span)
            {
                sum = (sum * 31) + b;
                sum %= 1_000_003;
            }
            Array.Fill(output, sum / 1_000_003f, i * per, per);
        }
        return output;
    }

    private sealed class FakeModel(ModelSpec spec) : EngineModel
    {
        public override ModelSpec Spec { get; } = spec;
    }
}
