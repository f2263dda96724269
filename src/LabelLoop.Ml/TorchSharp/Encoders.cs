using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace LabelLoop.Ml.TorchSharp;

/// <summary>The encoder of a model: an image or token batch in, one embedding per item out.</summary>
internal abstract class Encoder(string name) : Module<Tensor, Tensor>(name)
{
    /// <summary>Text models: per-token features [N, L, W] before pooling, what masked-token pretraining predicts from.</summary>
    public virtual Tensor ForwardTokens(Tensor ids) => throw new InvalidOperationException("this encoder has no token features");

    /// <summary>Text models: the width W of <see cref="ForwardTokens"/>; image encoders have none.</summary>
    public virtual long TokenWidth => 0;

    /// <summary>Prepares faster evaluation-mode weights where the encoder has any, until the result is disposed.</summary>
    public virtual IDisposable FoldForInference() => Folding.None;

    public static Encoder Create(ModelSpec spec) => spec.Kind switch
    {
        ModelKind.Image => new ImageEncoder(spec),
        ModelKind.TextConv => new TextConvEncoder(spec),
        ModelKind.TextTransformer => new TextTransformerEncoder(spec),
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Kind, "unknown model kind"),
    };

    /// <summary>Non-padding tokens; an item with none sees position 0, so pooling never runs over nothing.</summary>
    protected static Tensor TokenMask(Tensor ids)
    {
        var mask = ids.ne(0);
        var empty = mask.any(1).logical_not();
        mask.select(1, 0).logical_or_(empty);
        return mask;
    }
}

/// <summary>Three conv blocks (W, 2W, 4W channels, batch norm, two max pools) + average pooling to a 3x3 grid + projection.</summary>
internal sealed class ImageEncoder : Encoder
{
    private readonly Conv2d _conv1;
    private readonly Conv2d _conv2;
    private readonly Conv2d _conv3;
    private readonly BatchNorm2d _bn1;
    private readonly BatchNorm2d _bn2;
    private readonly BatchNorm2d _bn3;
    private readonly Linear _proj;
    private readonly (Conv2d Conv, BatchNorm2d Norm)[] _blocks;
    private (Tensor Weight, Tensor Bias)[]? _folded;

    /// <summary>
    /// The last feature map is average-pooled to a grid of this many cells a side, not to one value per channel: where
    /// in the image a feature fires is kept, which few-label classification needs (shirt against pullover is a matter
    /// of where the edges are). With 3 instead of 1, 5 to 8 points more accuracy at 60-140 labels on Fashion-MNIST and a
    /// linear probe of the pretrained encoder no worse (bench/active-learning.md).
    /// </summary>
    public const long SpatialPool = 3;

    public ImageEncoder(ModelSpec c)
        : base(nameof(ImageEncoder))
    {
        long w = c.Width;
        _conv1 = Conv2d(c.Channels, w, 3, padding: 1, bias: false);
        _bn1 = BatchNorm2d(w);
        _conv2 = Conv2d(w, 2 * w, 3, padding: 1, bias: false);
        _bn2 = BatchNorm2d(2 * w);
        _conv3 = Conv2d(2 * w, 4 * w, 3, padding: 1, bias: false);
        _bn3 = BatchNorm2d(4 * w);
        _proj = Linear(4 * w * SpatialPool * SpatialPool, c.EmbeddingDim);
        register_module("conv1", _conv1);
        register_module("bn1", _bn1);
        register_module("conv2", _conv2);
        register_module("bn2", _bn2);
        register_module("conv3", _conv3);
        register_module("bn3", _bn3);
        register_module("proj", _proj);
        _blocks = [(_conv1, _bn1), (_conv2, _bn2), (_conv3, _bn3)];
    }

    public override Tensor forward(Tensor input)
    {
        var h = Block(0, input);
        if (training)
        {
            // Channels-last from here on: libtorch 2.10's NCHW max pool and batch norm are scalar loops, their
            // channels-last kernels are vectorised, and the convolutions keep the layout they are given (the input
            // itself cannot carry it when it has one channel). Training 8-15% faster (bench/engine.md).
            h = h.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        }

        h = functional.max_pool2d(h, [2]);
        h = functional.max_pool2d(Block(1, h), [2]);
        h = Block(2, h);
        return _proj.call(functional.adaptive_avg_pool2d(h, [SpatialPool, SpatialPool]).flatten(1));
    }

    /// <summary>
    /// In evaluation each batch norm is an affine map per channel, so it folds into the convolution before it: one
    /// pass over the activations instead of two, which is most of the cost of scoring a pool. The folded weights are
    /// made once here, used by <see cref="forward"/> while the module is in evaluation mode, and dropped on dispose.
    /// </summary>
    public override IDisposable FoldForInference()
    {
        if (_blocks.Any(b => b.Norm.weight is null || b.Norm.bias is null || b.Norm.running_mean is null || b.Norm.running_var is null))
        {
            return Folding.None;
        }

        using (no_grad())
        using (NewDisposeScope())
        {
            // Temporaries go with the scope; the folded pairs are kept until the returned handle is disposed.
            _folded = [.. _blocks.Select(b =>
            {
                var scale = b.Norm.weight! * (b.Norm.running_var! + b.Norm.eps).rsqrt();
                return (
                    Weight: (b.Conv.weight!.detach() * scale.view(-1, 1, 1, 1)).DetachFromDisposeScope(),
                    Bias: (b.Norm.bias!.detach() - (b.Norm.running_mean! * scale)).DetachFromDisposeScope());
            })];
        }

        return new Folding(() =>
        {
            foreach (var (weight, bias) in _folded ?? [])
            {
                weight.Dispose();
                bias.Dispose();
            }

            _folded = null;
        });
    }

    /// <summary>Convolution, batch norm, ReLU: folded when evaluating inside <see cref="FoldForInference"/>.</summary>
    private Tensor Block(int index, Tensor x)
    {
        if (!training && _folded is { } folded)
        {
            return functional.conv2d(x, folded[index].Weight, folded[index].Bias, padding: [1, 1]).relu_();
        }

        var (conv, norm) = _blocks[index];
        return functional.relu(norm.call(conv.call(x)));
    }
}

/// <summary>Undoes <see cref="Encoder.FoldForInference"/>.</summary>
internal sealed class Folding(Action? undo) : IDisposable
{
    public static readonly Folding None = new(null);

    public void Dispose() => undo?.Invoke();
}

/// <summary>Token embedding + two 1-D convolutions (the second dilated, residual) + masked max pooling + projection.</summary>
internal sealed class TextConvEncoder : Encoder
{
    private readonly Embedding _embed;
    private readonly Conv1d _conv1;
    private readonly Conv1d _conv2;
    private readonly Linear _proj;
    private readonly long _tokenWidth;

    public TextConvEncoder(ModelSpec c)
        : base(nameof(TextConvEncoder))
    {
        long w = c.Width;
        _embed = Embedding(c.VocabularySize, w, padding_idx: 0);
        _conv1 = Conv1d(w, 2 * w, 3, padding: 1);
        _conv2 = Conv1d(2 * w, 2 * w, 3, padding: 2, dilation: 2);
        _proj = Linear(2 * w, c.EmbeddingDim);
        _tokenWidth = 2 * w;
        register_module("embed", _embed);
        register_module("conv1", _conv1);
        register_module("conv2", _conv2);
        register_module("proj", _proj);
    }

    public override long TokenWidth => _tokenWidth;

    public override Tensor forward(Tensor input)
    {
        var mask = TokenMask(input).unsqueeze(1);
        var pooled = Features(input).masked_fill(mask.logical_not(), float.NegativeInfinity).amax(2);
        return _proj.call(pooled);
    }

    public override Tensor ForwardTokens(Tensor ids) => Features(ids).transpose(1, 2);

    // [N, 2W, L]
    private Tensor Features(Tensor ids)
    {
        var h = functional.relu(_conv1.call(_embed.call(ids).transpose(1, 2)));
        return functional.relu(_conv2.call(h)) + h;
    }
}

/// <summary>Token and position embedding + a 2-layer transformer encoder (4 heads) + masked mean pooling + layer norm + projection.</summary>
internal sealed class TextTransformerEncoder : Encoder
{
    private readonly Embedding _embed;
    private readonly Embedding _position;
    private readonly TransformerEncoder _layers;
    private readonly LayerNorm _norm;
    private readonly Linear _proj;
    private readonly long _width;

    public TextTransformerEncoder(ModelSpec c)
        : base(nameof(TextTransformerEncoder))
    {
        long d = c.Width;
        _width = d;
        _embed = Embedding(c.VocabularySize, d, padding_idx: 0);
        _position = Embedding(c.MaxTokens, d);
        // Dropout inside the layers would draw from the process-wide generator and break per-model
        // reproducibility; the head's dropout regularises instead.
        using (var layer = TransformerEncoderLayer(d, 4, dim_feedforward: 2 * d, dropout: 0.0))
        {
            _layers = TransformerEncoder(layer, 2);
        }

        _norm = LayerNorm([d]);
        _proj = Linear(d, c.EmbeddingDim);
        register_module("embed", _embed);
        register_module("position", _position);
        register_module("layers", _layers);
        register_module("norm", _norm);
        register_module("proj", _proj);
    }

    public override long TokenWidth => _width;

    public override Tensor forward(Tensor input)
    {
        var mask = TokenMask(input);
        var y = ForwardTokens(input);
        var weights = mask.unsqueeze(2).to(y.dtype);
        var pooled = (y * weights).sum(1) / weights.sum(1);
        return _proj.call(_norm.call(pooled));
    }

    public override Tensor ForwardTokens(Tensor ids)
    {
        var mask = TokenMask(ids);
        var positions = arange(ids.shape[1], dtype: ScalarType.Int64, device: ids.device);
        var x = (_embed.call(ids) + _position.call(positions).unsqueeze(0)).transpose(0, 1);
        return _layers.call(x, null!, mask.logical_not()).transpose(0, 1);
    }
}
