using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace LabelLoop.Ml.TorchSharp;

/// <summary>Mini-batch training with a validation split, early stopping and rollback.</summary>
internal static class Training
{
    /// <summary>Items per forward pass at inference: small slices stay in cache on the CPU; a GPU wants large ones.</summary>
    public static int InferenceChunk(Device device) => device.type == DeviceType.CUDA ? 1024 : 128;

    public static TrainingResult Run(
        TorchSharpModel m,
        ModelBatch batch,
        ReadOnlySpan<int> labels,
        TrainingOptions o,
        IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken)
    {
        Checks.Training(o);
        var spec = m.Spec;
        var k = spec.Classes;
        var n = Checks.Batch(spec, batch);
        Checks.Require(labels.Length == n, $"n_labels is {labels.Length} but the batch has {n} items");
        for (var i = 0; i < labels.Length; i++)
        {
            Checks.Require(
                (uint)labels[i] < (uint)k,
                $"label {labels[i]} at index {i} is outside the class range [0, {k})");
        }

        var weights = ClassWeights(o, labels, k);
        if (weights is not null)
        {
            Checks.Require(weights.Length == k, $"n_class_weights is {weights.Length} but the model has {k} classes");
            Checks.Require(
                weights.All(float.IsFinite) && weights.All(w => w >= 0) && weights.Any(w => w > 0),
                "class_weights must be finite, >= 0 and not all 0");
        }

        var labelValues = new long[n];
        for (var i = 0; i < n; i++)
        {
            labelValues[i] = labels[i];
        }

        using var x = Checks.Input(spec, batch, 0, n);
        using var y = tensor(labelValues, [n], ScalarType.Int64);
        using var cpuWeights = weights is null ? null : tensor(weights, [k], ScalarType.Float32);
        using var classWeights = cpuWeights?.to(m.TorchDevice);
        // A failed or cancelled run never leaves half-trained weights.
        return StateSnapshot.RollBackOnFailure(m.Net, () => Train(m, x, y, classWeights, o, progress, cancellationToken));
    }

    private static TrainingResult Train(
        TorchSharpModel m,
        Tensor x,
        Tensor y,
        Tensor? classWeights,
        TrainingOptions o,
        IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken)
    {
        var net = m.Net;
        var image = !m.Spec.IsText;
        var n = x.shape[0];
        using var gen = new Generator(unchecked((ulong)o.Seed));

        using var perm = randperm(n, generator: gen, dtype: ScalarType.Int64);
        var nVal = (long)Math.Floor(n * (double)o.ValidationFraction);
        var nTrain = n - nVal;
        Checks.Require(nTrain >= 1, $"the validation split leaves no training items ({n} items, validation_fraction {o.ValidationFraction})");
        using var trainIdx = perm.narrow(0, nVal, nTrain);
        using var valIdx = perm.narrow(0, 0, nVal);
        using var xVal = x.index_select(0, valIdx);
        using var yVal = y.index_select(0, valIdx);

        var frozen = o.EncoderLearningRateMultiplier == 0f;
        var encoderParameters = net.Encoder.parameters().ToList();
        if (frozen)
        {
            encoderParameters.ForEach(p => p.requires_grad_(false));
        }

        try
        {
            var baseLr = new List<double>();
            var groups = new List<(IEnumerable<Parameter> Parameters, double Lr)>();
            if (!frozen)
            {
                baseLr.Add((double)o.LearningRate * o.EncoderLearningRateMultiplier);
                groups.Add((encoderParameters, baseLr[^1]));
            }

            baseLr.Add(o.LearningRate);
            groups.Add((net.HeadParameters().ToList(), baseLr[^1]));
            using var optimizer = CreateOptimizer(o, groups);
            var paramGroups = optimizer.ParamGroups.ToList();

            var result = new ResultBuilder { TrainItems = (int)nTrain, ValidationItems = (int)nVal };
            StateSnapshot? best = null;
            try
            {
                var sinceBest = 0;
                var batches = (nTrain + o.BatchSize - 1) / o.BatchSize;
                for (var epoch = 1; epoch <= o.Epochs; epoch++)
                {
                    var factor = ScheduleFactor(o, epoch);
                    for (var g = 0; g < baseLr.Count; g++)
                    {
                        paramGroups[g].LearningRate = baseLr[g] * factor;
                    }

                    net.train();
                    if (frozen)
                    {
                        // Frozen means frozen: batch-norm running statistics must not drift either.
                        net.Encoder.eval();
                    }

                    double lossSum = 0;
                    long seen = 0;
                    using (var shuffle = randperm(nTrain, generator: gen, dtype: ScalarType.Int64))
                    using (var order = trainIdx.index_select(0, shuffle))
                    {
                        for (long b = 0; b < batches; b++)
                        {
                            using var scope = NewDisposeScope();
                            var start = b * o.BatchSize;
                            var idx = order.narrow(0, start, Math.Min(o.BatchSize, nTrain - start));
                            var xb = x.index_select(0, idx);
                            if (image && o.Augmentations != ImageAugmentations.None)
                            {
                                xb = Augment(xb, o, gen);
                            }

                            xb = xb.to(m.TorchDevice);
                            var yb = y.index_select(0, idx).to(m.TorchDevice);
                            Tensor embedding;
                            if (frozen)
                            {
                                using (no_grad())
                                {
                                    embedding = net.Encode(xb);
                                }
                            }
                            else
                            {
                                embedding = net.Encode(xb);
                            }

                            var logits = net.Head(embedding, stochastic: true, gen);
                            var loss = functional.cross_entropy(logits, yb, classWeights);
                            optimizer.zero_grad();
                            loss.backward();
                            optimizer.step();

                            lossSum += loss.item<float>() * idx.shape[0];
                            seen += idx.shape[0];
                            cancellationToken.ThrowIfCancellationRequested();
                        }
                    }

                    var trainLoss = (float)(lossSum / seen);
                    var (valLoss, valAccuracy) = Evaluate(m, xVal, yVal, cancellationToken);
                    result.EpochsRun = epoch;
                    result.FinalTrainLoss = trainLoss;
                    cancellationToken.ThrowIfCancellationRequested();
                    progress?.Report(new TrainingProgress(
                        epoch,
                        o.Epochs,
                        trainLoss,
                        nVal > 0 ? valLoss : null,
                        nVal > 0 ? valAccuracy : null,
                        (float)(baseLr[^1] * factor)));
                    if (nVal == 0)
                    {
                        result.BestEpoch = epoch;
                        continue;
                    }

                    var better = best is null || valAccuracy > result.BestValidationAccuracy
                        || (valAccuracy == result.BestValidationAccuracy && valLoss < result.BestValidationLoss);
                    if (better)
                    {
                        best?.Dispose();
                        best = new StateSnapshot(net);
                        result.BestEpoch = epoch;
                        result.BestValidationAccuracy = valAccuracy;
                        result.BestValidationLoss = valLoss;
                        sinceBest = 0;
                    }
                    else if (o.Patience > 0 && ++sinceBest >= o.Patience)
                    {
                        result.StoppedEarly = true;
                        break;
                    }
                }

                best?.RestoreInto(net);
            }
            finally
            {
                best?.Dispose();
            }

            net.eval();
            return result.Build();
        }
        finally
        {
            if (frozen)
            {
                encoderParameters.ForEach(p => p.requires_grad_(true));
            }
        }
    }

    private static optim.Optimizer CreateOptimizer(TrainingOptions o, List<(IEnumerable<Parameter> Parameters, double Lr)> groups)
    {
        if (o.Optimizer == OptimizerKind.AdamW)
        {
            return optim.AdamW(
                groups.Select(g => new AdamW.ParamGroup(g.Parameters, lr: g.Lr, weight_decay: o.WeightDecay)),
                lr: groups[^1].Lr,
                weight_decay: o.WeightDecay);
        }

        return optim.Adam(
            groups.Select(g => new Adam.ParamGroup(g.Parameters, lr: g.Lr, weight_decay: o.WeightDecay)),
            lr: groups[^1].Lr,
            weight_decay: o.WeightDecay);
    }

    private static double ScheduleFactor(TrainingOptions o, int epoch) => o.Schedule switch
    {
        LearningRateSchedule.Cosine => 0.5 * (1.0 + Math.Cos(Math.PI * (epoch - 1) / o.Epochs)),
        LearningRateSchedule.Step => Math.Pow(o.StepGamma, (epoch - 1) / o.StepEpochs),
        _ => 1.0,
    };

    /// <summary>
    /// Augments a CPU batch [B, C, S, S] with the training generator before it moves to the device, so the same
    /// seed gives the same batches on every device.
    /// </summary>
    private static Tensor Augment(Tensor x, TrainingOptions o, Generator gen)
    {
        var b = x.shape[0];
        var s = x.shape[2];
        if (o.Augmentations.HasFlag(ImageAugmentations.RandomCrop) && o.CropPadding > 0)
        {
            long p = o.CropPadding;
            var padded = functional.pad(x, [p, p, p, p], PaddingModes.Constant, 0.0);
            var offsets = randint(0, (2 * p) + 1, [b, 2], ScalarType.Int64, generator: gen);
            // One gather per axis instead of a copy per image: rows first, then columns of every image's window.
            var c = x.shape[1];
            var window = arange(s, dtype: ScalarType.Int64);
            var rows = (offsets.select(1, 0).view(b, 1, 1, 1) + window.view(1, 1, s, 1)).expand(b, c, s, s + (2 * p));
            var cols = (offsets.select(1, 1).view(b, 1, 1, 1) + window.view(1, 1, 1, s)).expand(b, c, s, s);
            x = padded.gather(2, rows).gather(3, cols);
        }

        if (o.Augmentations.HasFlag(ImageAugmentations.HorizontalFlip))
        {
            var flip = rand([b, 1, 1, 1], generator: gen).lt(0.5);
            x = where(flip, x.flip(3), x);
        }

        if (o.Augmentations.HasFlag(ImageAugmentations.ColorJitter) && o.Jitter > 0f)
        {
            x = Jitter(x, o.Jitter, gen);
        }

        if (o.Augmentations.HasFlag(ImageAugmentations.Noise) && o.NoiseStd > 0f)
        {
            x = x + (randn(x.shape, generator: gen) * o.NoiseStd);
        }

        return x;
    }

    /// <summary>Random brightness and contrast per image of strength <paramref name="strength"/>, clamped to [0, 1].</summary>
    internal static Tensor Jitter(Tensor x, float strength, Generator gen)
    {
        var b = x.shape[0];
        var brightness = ((rand([b, 1, 1, 1], generator: gen) * 2) - 1) * strength;
        var contrast = 1 + (((rand([b, 1, 1, 1], generator: gen) * 2) - 1) * strength);
        var mean = x.mean([1, 2, 3], keepdim: true);
        return (((x - mean) * contrast) + mean + brightness).clamp(0.0, 1.0);
    }

    private static (float Loss, float Accuracy) Evaluate(TorchSharpModel m, Tensor x, Tensor y, CancellationToken cancellationToken)
    {
        var n = x.shape[0];
        if (n == 0)
        {
            return (float.NaN, float.NaN);
        }

        using var noGrad = no_grad();
        m.Net.eval();
        double loss = 0;
        long correct = 0;
        var chunk = InferenceChunk(m.TorchDevice);
        for (long start = 0; start < n; start += chunk)
        {
            using var scope = NewDisposeScope();
            var len = Math.Min(chunk, n - start);
            var logits = m.Net.call(x.narrow(0, start, len).to(m.TorchDevice));
            var target = y.narrow(0, start, len).to(m.TorchDevice);
            loss += functional.cross_entropy(logits, target, reduction: Reduction.Sum).item<float>();
            correct += logits.argmax(1).eq(target).sum().item<long>();
            cancellationToken.ThrowIfCancellationRequested();
        }

        return ((float)(loss / n), (float)correct / n);
    }

    /// <summary>
    /// The loss's per-class weights: the caller's, or with <see cref="TrainingOptions.BalanceClasses"/> inverse class
    /// frequency (n / (classes x count); 0 for a class with no labels), or null for an unweighted loss.
    /// </summary>
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
            // Out-of-range labels are left for the label check, which names them.
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

    private sealed class ResultBuilder
    {
        public int EpochsRun { get; set; }

        public int BestEpoch { get; set; }

        public bool StoppedEarly { get; set; }

        public float FinalTrainLoss { get; set; }

        public float BestValidationLoss { get; set; } = float.NaN;

        public float BestValidationAccuracy { get; set; } = float.NaN;

        public int TrainItems { get; init; }

        public int ValidationItems { get; init; }

        public TrainingResult Build() => new(
            EpochsRun,
            BestEpoch,
            StoppedEarly,
            FinalTrainLoss,
            float.IsNaN(BestValidationLoss) ? null : BestValidationLoss,
            float.IsNaN(BestValidationAccuracy) ? null : BestValidationAccuracy,
            TrainItems,
            ValidationItems);
    }
}
