using LabelLoop.Ml;

namespace LabelLoop.Jobs.Tests.Simulation;

/// <summary>
/// Multinomial logistic regression in plain C# behind the engine seam: the smallest model for the two-Gaussian
/// example, whose inputs are 2-D points (the libtorch engine's smallest model is a CNN over square images).
/// Features are the "pixels" of a batch; the embedding is the input itself.
/// </summary>
public sealed class LogisticRegressionEngine : IModelEngine
{
    public EngineInfo Info => new() { EngineAvailable = false, UnavailableReason = "logistic regression in C#" };

    public EngineModel CreateModel(ModelSpec spec) => new Model(spec);

    public EngineModel LoadModel(string path, ModelSpec? expected = null) => throw new NotSupportedException();

    public void SaveModel(EngineModel model, string path) => throw new NotSupportedException();

    public TrainingResult Train(EngineModel model, ModelBatch batch, ReadOnlyMemory<int> labels, TrainingOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var m = (Model)model;
        var x = batch.Pixels.Span;
        var n = batch.Count;
        var d = x.Length / Math.Max(1, n);
        var k = m.Spec.Classes;
        m.Init(d);
        var y = labels.Span;
        var gradient = new double[k * (d + 1)];
        var p = new double[k];
        const int iterations = 500;
        const double rate = 0.5, l2 = 1e-3;
        for (var it = 0; it < iterations; it++)
        {
            Array.Clear(gradient);
            for (var i = 0; i < n; i++)
            {
                m.Probabilities(x.Slice(i * d, d), p);
                for (var c = 0; c < k; c++)
                {
                    var error = p[c] - (y[i] == c ? 1 : 0);
                    for (var j = 0; j < d; j++)
                    {
                        gradient[(c * (d + 1)) + j] += error * x[(i * d) + j];
                    }
                    gradient[(c * (d + 1)) + d] += error;
                }
            }
            for (var w = 0; w < gradient.Length; w++)
            {
                m.Weights[w] -= rate * ((gradient[w] / n) + (l2 * m.Weights[w]));
            }
        }
        return new TrainingResult(1, 1, false, 0, null, null, n, 0);
    }

    public PretrainingResult Pretrain(EngineModel model, ModelBatch batch, PretrainingOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("A logistic regression has no encoder to pretrain.");

    public float[] PredictProbabilities(EngineModel model, ModelBatch batch)
    {
        var m = (Model)model;
        var x = batch.Pixels.Span;
        var n = batch.Count;
        var d = x.Length / Math.Max(1, n);
        var k = m.Spec.Classes;
        var output = new float[n * k];
        var p = new double[k];
        for (var i = 0; i < n; i++)
        {
            m.Probabilities(x.Slice(i * d, d), p);
            for (var c = 0; c < k; c++)
            {
                output[(i * k) + c] = (float)p[c];
            }
        }
        return output;
    }

    public float[] PredictMonteCarlo(EngineModel model, ModelBatch batch, int passes, long seed) =>
        Enumerable.Range(0, passes).SelectMany(_ => PredictProbabilities(model, batch)).ToArray();

    public float[] Embed(EngineModel model, ModelBatch batch)
    {
        var dim = model.Spec.EmbeddingDim;
        var x = batch.Pixels.Span;
        var d = x.Length / Math.Max(1, batch.Count);
        var output = new float[batch.Count * dim];
        for (var i = 0; i < batch.Count; i++)
        {
            x.Slice(i * d, Math.Min(d, dim)).CopyTo(output.AsSpan(i * dim));
        }
        return output;
    }

    public void CopyEncoder(EngineModel source, EngineModel target)
    {
    }

    public float[] DecodeImages(IReadOnlyList<ReadOnlyMemory<byte>> images, int channels, int size) => throw new NotSupportedException();

    private sealed class Model(ModelSpec spec) : EngineModel
    {
        public override ModelSpec Spec { get; } = spec;

        public double[] Weights { get; private set; } = [];

        private int _features;

        public void Init(int features)
        {
            _features = features;
            Weights = new double[Spec.Classes * (features + 1)];
        }

        public void Probabilities(ReadOnlySpan<float> x, double[] p)
        {
            var k = Spec.Classes;
            var max = double.NegativeInfinity;
            for (var c = 0; c < k; c++)
            {
                var z = Weights.Length == 0 ? 0 : Weights[(c * (_features + 1)) + _features];
                for (var j = 0; j < _features && Weights.Length > 0; j++)
                {
                    z += Weights[(c * (_features + 1)) + j] * x[j];
                }
                p[c] = z;
                max = Math.Max(max, z);
            }
            var sum = 0.0;
            for (var c = 0; c < k; c++)
            {
                p[c] = Math.Exp(p[c] - max);
                sum += p[c];
            }
            for (var c = 0; c < k; c++)
            {
                p[c] /= sum;
            }
        }
    }
}
