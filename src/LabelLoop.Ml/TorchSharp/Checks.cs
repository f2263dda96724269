using System.Globalization;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace LabelLoop.Ml.TorchSharp;

/// <summary>Argument checks, before any tensor is made: each names the operation and the bad value.</summary>
internal static class Checks
{
    public static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ModelEngineException(EngineStatus.InvalidArgument, message);
        }
    }

    public static string KindName(ModelKind kind) => kind switch
    {
        ModelKind.Image => "image-cnn",
        ModelKind.TextConv => "text-conv",
        ModelKind.TextTransformer => "text-transformer",
        _ => "unknown",
    };

    public static void Spec(ModelSpec c)
    {
        Require(
            c.Kind is ModelKind.Image or ModelKind.TextConv or ModelKind.TextTransformer,
            $"kind is {(int)c.Kind}; expected Image (1), TextConv (2) or TextTransformer (3)");
        Require(c.Classes is >= 2 and <= 100000, $"n_classes is {c.Classes}; expected 2..100000");
        Require(c.EmbeddingDim is >= 1 and <= 8192, $"embedding_dim is {c.EmbeddingDim}; expected 1..8192");
        Require(c.Width is >= 1 and <= 1024, $"width is {c.Width}; expected 1..1024");
        Require(float.IsFinite(c.Dropout) && c.Dropout >= 0f && c.Dropout < 1f, $"dropout is {F(c.Dropout)}; expected [0, 1)");
        if (c.Kind == ModelKind.Image)
        {
            Require(c.Channels is 1 or 3, $"channels is {c.Channels}; expected 1 (grayscale) or 3 (RGB)");
            Require(c.ImageSize is >= 8 and <= 1024, $"image_size is {c.ImageSize}; expected 8..1024");
        }
        else
        {
            Require(c.VocabularySize is >= 2 and <= 50000000, $"vocab_size is {c.VocabularySize}; expected 2..50000000");
            Require(c.MaxTokens is >= 1 and <= 4096, $"max_tokens is {c.MaxTokens}; expected 1..4096");
            Require(
                c.Kind != ModelKind.TextTransformer || c.Width % 4 == 0,
                $"width is {c.Width}; the transformer's 4 attention heads need a multiple of 4");
        }
    }

    public static void Training(TrainingOptions o)
    {
        Require(o.Epochs is >= 1 and <= 10000, $"epochs is {o.Epochs}; expected 1..10000");
        Require(o.BatchSize is >= 1 and <= 65536, $"batch_size is {o.BatchSize}; expected 1..65536");
        Require(
            o.Optimizer is OptimizerKind.Adam or OptimizerKind.AdamW,
            $"optimizer is {(int)o.Optimizer}; expected Adam (0) or AdamW (1)");
        Require(
            float.IsFinite(o.LearningRate) && o.LearningRate > 0f && o.LearningRate <= 10f,
            $"learning_rate is {F(o.LearningRate)}; expected (0, 10]");
        Require(float.IsFinite(o.WeightDecay) && o.WeightDecay >= 0f, $"weight_decay is {F(o.WeightDecay)}; expected a finite value >= 0");
        Require(
            float.IsFinite(o.EncoderLearningRateMultiplier) && o.EncoderLearningRateMultiplier >= 0f,
            $"encoder_lr_multiplier is {F(o.EncoderLearningRateMultiplier)}; expected a finite value >= 0 (0 freezes the encoder)");
        Require(
            o.Schedule is >= LearningRateSchedule.Constant and <= LearningRateSchedule.Step,
            $"schedule is {(int)o.Schedule}; expected Constant, Cosine or Step");
        if (o.Schedule == LearningRateSchedule.Step)
        {
            Require(o.StepEpochs >= 1, $"step_epochs is {o.StepEpochs}; expected >= 1");
            Require(float.IsFinite(o.StepGamma) && o.StepGamma > 0f && o.StepGamma <= 1f, $"step_gamma is {F(o.StepGamma)}; expected (0, 1]");
        }

        Require(
            float.IsFinite(o.ValidationFraction) && o.ValidationFraction >= 0f && o.ValidationFraction <= 0.9f,
            $"validation_fraction is {F(o.ValidationFraction)}; expected [0, 0.9]");
        Require(o.Patience >= 0, $"patience is {o.Patience}; expected >= 0");
        Require(((int)o.Augmentations & ~15) == 0, $"augment is {(int)o.Augmentations}; expected ImageAugmentations flags");
        Require(o.CropPadding is >= 0 and <= 64, $"crop_padding is {o.CropPadding}; expected 0..64");
        Require(float.IsFinite(o.Jitter) && o.Jitter >= 0f && o.Jitter <= 1f, $"jitter is {F(o.Jitter)}; expected [0, 1]");
        Require(float.IsFinite(o.NoiseStd) && o.NoiseStd >= 0f && o.NoiseStd <= 1f, $"noise_std is {F(o.NoiseStd)}; expected [0, 1]");
    }

    /// <summary>Checks <paramref name="o"/> and returns the run's total epochs (0 in the options means this call is the whole run).</summary>
    public static int Pretraining(PretrainingOptions o, ModelSpec c)
    {
        var image = !c.IsText;
        var total = o.TotalEpochs > 0 ? o.TotalEpochs : o.FirstEpoch + o.Epochs - 1;
        Require(o.Epochs is >= 1 and <= 10000, $"epochs is {o.Epochs}; expected 1..10000");
        Require(o.FirstEpoch >= 1, $"first_epoch is {o.FirstEpoch}; expected >= 1");
        Require(
            total >= o.FirstEpoch + o.Epochs - 1 && total <= 100000,
            $"total_epochs is {total}; expected first_epoch + epochs - 1 ({o.FirstEpoch + o.Epochs - 1}) or more");
        Require(
            o.BatchSize >= (image ? 2 : 1) && o.BatchSize <= 65536,
            $"batch_size is {o.BatchSize}" + (image ? "; expected 2..65536 (contrast needs pairs)" : "; expected 1..65536"));
        Require(
            float.IsFinite(o.LearningRate) && o.LearningRate > 0f && o.LearningRate <= 10f,
            $"learning_rate is {F(o.LearningRate)}; expected (0, 10]");
        Require(float.IsFinite(o.WeightDecay) && o.WeightDecay >= 0f, $"weight_decay is {F(o.WeightDecay)}; expected a finite value >= 0");
        if (image)
        {
            Require(
                float.IsFinite(o.Temperature) && o.Temperature > 0f && o.Temperature <= 10f,
                $"temperature is {F(o.Temperature)}; expected (0, 10]");
            Require(o.ProjectionDim is >= 1 and <= 4096, $"projection_dim is {o.ProjectionDim}; expected 1..4096");
            Require(
                float.IsFinite(o.CropMinScale) && o.CropMinScale > 0f && o.CropMinScale <= 1f,
                $"crop_min_scale is {F(o.CropMinScale)}; expected (0, 1]");
            Require(float.IsFinite(o.Jitter) && o.Jitter >= 0f && o.Jitter <= 1f, $"jitter is {F(o.Jitter)}; expected [0, 1]");
            Require(float.IsFinite(o.NoiseStd) && o.NoiseStd >= 0f && o.NoiseStd <= 1f, $"noise_std is {F(o.NoiseStd)}; expected [0, 1]");
        }
        else
        {
            Require(
                float.IsFinite(o.MaskFraction) && o.MaskFraction > 0f && o.MaskFraction < 1f,
                $"mask_fraction is {F(o.MaskFraction)}; expected (0, 1)");
            Require(
                o.MaskToken >= 1 && o.MaskToken < c.VocabularySize,
                $"mask_token is {o.MaskToken}; expected [1, vocab_size = {c.VocabularySize})");
        }

        return total;
    }

    /// <summary>Item count of <paramref name="batch"/> after checking sizes, finiteness and id ranges against <paramref name="c"/>.</summary>
    public static int Batch(ModelSpec c, ModelBatch batch, string what = "batch")
    {
        ArgumentNullException.ThrowIfNull(batch);
        var n = batch.Count;
        Require(n > 0, $"{what} has {n} items; at least one is needed");
        if (!c.IsText)
        {
            long perItem = (long)c.Channels * c.ImageSize * c.ImageSize;
            var pixels = batch.Pixels.Span;
            Require(!pixels.IsEmpty, $"{what}.pixels is NULL but an {KindName(c.Kind)} model reads pixels");
            Require(
                pixels.Length == n * perItem,
                $"{what}.n_pixels is {pixels.Length} but {n} items x {c.Channels}x{c.ImageSize}x{c.ImageSize} need {n * perItem}");
            for (var i = 0; i < pixels.Length; i++)
            {
                if (!float.IsFinite(pixels[i]))
                {
                    var item = (int)(i / perItem);
                    var nan = HasNaN(pixels.Slice((int)(item * perItem), (int)perItem));
                    throw new ModelEngineException(
                        EngineStatus.InvalidArgument,
                        $"{what}.pixels of item {item} contain {(nan ? "NaN" : "Inf")}; features must be finite");
                }
            }

            return n;
        }

        var tokens = batch.Tokens.Span;
        Require(!tokens.IsEmpty, $"{what}.tokens is NULL but a {KindName(c.Kind)} model reads token ids");
        Require(
            tokens.Length == (long)n * c.MaxTokens,
            $"{what}.n_tokens is {tokens.Length} but {n} items x {c.MaxTokens} tokens need {(long)n * c.MaxTokens}");
        for (var i = 0; i < tokens.Length; i++)
        {
            if ((ulong)tokens[i] >= (ulong)c.VocabularySize)
            {
                throw new ModelEngineException(
                    EngineStatus.InvalidArgument,
                    $"{what}.tokens of item {i / c.MaxTokens} hold id {tokens[i]} at position {i % c.MaxTokens}; ids must be in [0, vocab_size = {c.VocabularySize})");
            }
        }

        return n;
    }

    /// <summary>Items [start, start + count) of a checked batch as a new CPU tensor: [N, C, S, S] floats or [N, L] int64 ids.</summary>
    public static Tensor Input(ModelSpec c, ModelBatch batch, int start, int count)
    {
        if (!c.IsText)
        {
            var perItem = c.Channels * c.ImageSize * c.ImageSize;
            var tensor = empty([count, c.Channels, c.ImageSize, c.ImageSize], ScalarType.Float32);
            MemoryMarshal.AsBytes(batch.Pixels.Span.Slice(start * perItem, count * perItem)).CopyTo(tensor.bytes);
            return tensor;
        }

        var ids = empty([count, c.MaxTokens], ScalarType.Int64);
        MemoryMarshal.AsBytes(batch.Tokens.Span.Slice(start * c.MaxTokens, count * c.MaxTokens)).CopyTo(ids.bytes);
        return ids;
    }

    private static bool HasNaN(ReadOnlySpan<float> values)
    {
        foreach (var v in values)
        {
            if (float.IsNaN(v))
            {
                return true;
            }
        }

        return false;
    }

    private static string F(float value) => value.ToString(CultureInfo.InvariantCulture);
}
