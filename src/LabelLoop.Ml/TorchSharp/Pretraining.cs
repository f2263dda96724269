using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace LabelLoop.Ml.TorchSharp;

/// <summary>
/// Self-supervised pretraining of a model's encoder: contrastive views for images
/// (SimCLR: two random views per image, a projection head, NT-Xent), masked-token prediction for text.
/// </summary>
internal static class Pretraining
{
    // Logits computed at once in the masked-token loss (16 MB of floats): bounds memory and the time between two
    // cancellation checks.
    private const long LogitsPerPart = 1L << 22;

    public static PretrainingResult Run(
        TorchSharpModel m,
        ModelBatch batch,
        PretrainingOptions o,
        IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken)
    {
        var total = Checks.Pretraining(o, m.Spec);
        var n = Checks.Batch(m.Spec, batch);
        using var x = Checks.Input(m.Spec, batch, 0, n);
        // A failed or cancelled call leaves the encoder as it was.
        return StateSnapshot.RollBackOnFailure(m.Net, () => Pretrain(m, x, o, total, progress, cancellationToken));
    }

    private static PretrainingResult Pretrain(
        TorchSharpModel m,
        Tensor x,
        PretrainingOptions o,
        int totalEpochs,
        IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken)
    {
        var net = m.Net;
        var image = !m.Spec.IsText;
        var n = x.shape[0];
        using var gen = new Generator(unchecked((ulong)o.Seed));
        var state = PretextFor(m, o, gen);
        var keep = false;
        try
        {
            var optimizer = state.Optimizer;
            var group = optimizer.ParamGroups.First();

            // A contrastive batch needs two items or more; a lone last item joins the previous batch.
            var batches = (n + o.BatchSize - 1) / o.BatchSize;
            if (image && batches > 1 && n % o.BatchSize == 1)
            {
                batches--;
            }

            Checks.Require(!image || n >= 2, $"contrastive pretraining needs at least 2 images; the batch has {n}");
            var rowsPerPart = Math.Max(1, LogitsPerPart / Math.Max(1, m.Spec.VocabularySize));
            var firstLoss = float.NaN;
            var finalLoss = float.NaN;
            var epochsRun = 0;

            var clock = Stopwatch.StartNew();
            net.train();
            for (var epoch = 1; epoch <= o.Epochs; epoch++)
            {
                var global = o.FirstEpoch + epoch - 1;
                var lr = o.LearningRate * 0.5 * (1.0 + Math.Cos(Math.PI * (global - 1) / totalEpochs));
                group.LearningRate = lr;
                double lossSum = 0;
                long seen = 0;
                using var order = randperm(n, generator: gen, dtype: ScalarType.Int64);
                for (long b = 0; b < batches; b++)
                {
                    using var scope = NewDisposeScope();
                    var start = b * o.BatchSize;
                    var len = b == batches - 1 ? n - start : Math.Min(o.BatchSize, n - start);
                    var xb = x.index_select(0, order.narrow(0, start, len));
                    double batchLoss = 0;
                    if (image)
                    {
                        var views = cat([RandomView(xb, o, gen), RandomView(xb, o, gen)], 0).to(m.TorchDevice);
                        var z = state.Second!.call(functional.relu(state.First.call(net.Encode(views))));
                        var loss = NtXent(functional.normalize(z, dim: 1), o.Temperature);
                        cancellationToken.ThrowIfCancellationRequested();
                        optimizer.zero_grad();
                        loss.backward();
                        batchLoss = loss.item<float>();
                    }
                    else
                    {
                        var candidates = xb.ne(0);
                        var hidden = rand(xb.shape, generator: gen).lt(o.MaskFraction).logical_and(candidates);
                        if (!hidden.any().item<bool>())
                        {
                            // Nothing to predict in this batch (all padding, or an unlucky draw).
                            cancellationToken.ThrowIfCancellationRequested();
                            continue;
                        }

                        var input = xb.masked_fill(hidden, o.MaskToken).to(m.TorchDevice);
                        var mask = hidden.to(m.TorchDevice);
                        var selected = net.Encoder.ForwardTokens(input)[mask];
                        var targets = xb.to(m.TorchDevice)[mask];
                        // The vocabulary-sized logits of every hidden token at once would take hundreds of megabytes;
                        // in parts, each part's loss goes back into a detached copy of the features, and the summed
                        // gradient then goes through the encoder once. The gradient is the same.
                        var features = selected.detach().requires_grad_(true);
                        var rows = features.shape[0];
                        optimizer.zero_grad();
                        for (long part = 0; part < rows; part += rowsPerPart)
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            using var partScope = NewDisposeScope();
                            var count = Math.Min(rowsPerPart, rows - part);
                            var logits = state.First.call(features.narrow(0, part, count));
                            var loss = functional.cross_entropy(logits, targets.narrow(0, part, count), reduction: Reduction.Sum) / (double)rows;
                            loss.backward();
                            batchLoss += loss.item<float>();
                        }

                        cancellationToken.ThrowIfCancellationRequested();
                        selected.backward([features.grad!]);
                    }

                    optimizer.step();
                    lossSum += batchLoss * len;
                    seen += len;
                    cancellationToken.ThrowIfCancellationRequested();
                }

                var epochLoss = seen > 0 ? (float)(lossSum / seen) : float.NaN;
                if (epoch == 1)
                {
                    firstLoss = epochLoss;
                }

                finalLoss = epochLoss;
                epochsRun = epoch;
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report(new TrainingProgress(epoch, o.Epochs, epochLoss, null, null, (float)lr));
            }

            var seconds = clock.Elapsed.TotalSeconds;
            net.eval();
            m.Pretext = state;
            keep = true;
            return new PretrainingResult(epochsRun, firstLoss, finalLoss, seconds > 0 ? (double)n * epochsRun / seconds : 0);
        }
        finally
        {
            if (!keep)
            {
                state.Dispose();
            }
        }
    }

    /// <summary>
    /// The pretext head for this call: the previous call's (with its optimizer moments) when this call continues a run
    /// on the same model with the same shapes, else a fresh one seeded by the call. The model gives up its head either way.
    /// </summary>
    private static PretextState PretextFor(TorchSharpModel m, PretrainingOptions o, Generator gen)
    {
        var image = !m.Spec.IsText;
        var outDim = image ? o.ProjectionDim : m.Spec.VocabularySize;
        var previous = m.Pretext;
        m.Pretext = null;
        if (o.FirstEpoch > 1 && previous is not null && previous.Image == image && previous.OutDim == outDim)
        {
            foreach (var group in previous.Optimizer.ParamGroups.Cast<AdamW.ParamGroup>())
            {
                group.Options.weight_decay = o.WeightDecay;
            }

            return previous;
        }

        previous?.Dispose();
        Linear first;
        Linear? second = null;
        // Contrastive: embedding -> hidden -> projection. Masked tokens: token features -> vocabulary.
        if (image)
        {
            var d = m.Spec.EmbeddingDim;
            first = SeededLinear(d, d, gen, m.TorchDevice);
            second = SeededLinear(d, o.ProjectionDim, gen, m.TorchDevice);
        }
        else
        {
            first = SeededLinear(m.Net.Encoder.TokenWidth, m.Spec.VocabularySize, gen, m.TorchDevice);
        }

        var parameters = m.Net.Encoder.parameters().Concat(first.parameters());
        if (second is not null)
        {
            parameters = parameters.Concat(second.parameters());
        }

        var optimizer = optim.AdamW(parameters.ToList(), lr: o.LearningRate, weight_decay: o.WeightDecay);
        return new PretextState(image, outDim, first, second, optimizer);
    }

    /// <summary>A fresh Linear layer whose weights come from the call's generator, initialised like torch's default Linear.</summary>
    private static Linear SeededLinear(long inputs, long outputs, Generator gen, Device device)
    {
        Linear layer;
        lock (TorchSharpEngine.CreateGate)
        {
            // Its default initialisation draws from the process-wide generator: not while a model is created.
            layer = Linear(inputs, outputs);
        }

        using (no_grad())
        {
            var bound = 1.0 / Math.Sqrt(inputs);
            layer.weight!.uniform_(-bound, bound, gen);
            layer.bias!.uniform_(-bound, bound, gen);
        }

        layer.to(device);
        return layer;
    }

    /// <summary>
    /// One random view per image of a CPU batch [B, C, S, S]: a random resized crop (area share in [crop_min_scale, 1],
    /// aspect ratio in [3/4, 4/3], stretched back with bilinear sampling), an optional flip, jitter and noise.
    /// </summary>
    private static Tensor RandomView(Tensor x, PretrainingOptions o, Generator gen)
    {
        var b = x.shape[0];
        var area = o.CropMinScale + (rand([b], generator: gen) * (1.0f - o.CropMinScale));
        var logRatio = ((rand([b], generator: gen) * 2) - 1) * Math.Log(4.0 / 3.0);
        var ratio = exp(logRatio);
        var w = sqrt(area * ratio).clamp_max(1.0);
        var h = sqrt(area / ratio).clamp_max(1.0);
        // Centres keep the crop inside the image; coordinates are normalised to [-1, 1].
        var cx = ((rand([b], generator: gen) * 2) - 1) * (1 - w);
        var cy = ((rand([b], generator: gen) * 2) - 1) * (1 - h);
        var sign = ones([b]);
        if (o.HorizontalFlip)
        {
            sign = where(rand([b], generator: gen).lt(0.5), -sign, sign);
        }

        var zero = zeros([b]);
        var theta = stack([stack([w * sign, zero, cx], 1), stack([zero, h, cy], 1)], 1);
        var grid = functional.affine_grid(theta, x.shape, align_corners: false);
        var v = functional.grid_sample(x, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false);
        if (o.Jitter > 0f)
        {
            v = Training.Jitter(v, o.Jitter, gen);
        }

        if (o.NoiseStd > 0f)
        {
            v = v + (randn(v.shape, generator: gen) * o.NoiseStd);
        }

        return v;
    }

    /// <summary>NT-Xent over 2B L2-normalised projections: view i's positive is view i + B (mod 2B), every other view a negative.</summary>
    private static Tensor NtXent(Tensor z, double temperature)
    {
        var n = z.shape[0];
        var half = n / 2;
        var similarity = matmul(z, z.t()) / temperature;
        var self = eye(n, dtype: ScalarType.Bool, device: z.device);
        similarity = similarity.masked_fill(self, float.NegativeInfinity);
        var targets = (arange(n, dtype: ScalarType.Int64, device: z.device) + half) % n;
        return functional.cross_entropy(similarity, targets);
    }
}

/// <summary>The pretext head and optimizer of a pretraining run, kept on the model between chunked calls.</summary>
internal sealed class PretextState(bool image, long outDim, Linear first, Linear? second, optim.Optimizer optimizer) : IDisposable
{
    public bool Image { get; } = image;

    public long OutDim { get; } = outDim;

    public Linear First { get; } = first;

    public Linear? Second { get; } = second;

    public optim.Optimizer Optimizer { get; } = optimizer;

    public void Dispose()
    {
        Optimizer.Dispose();
        First.Dispose();
        Second?.Dispose();
    }
}
