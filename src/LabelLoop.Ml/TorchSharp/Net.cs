using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace LabelLoop.Ml.TorchSharp;

/// <summary>Encoder + classification head (dropout, Linear, ReLU, dropout, Linear).</summary>
internal sealed class Net : Module<Tensor, Tensor>
{
    private readonly double _dropout;

    public Net(ModelSpec spec)
        : base(nameof(Net))
    {
        _dropout = spec.Dropout;
        Encoder = Encoder.Create(spec);
        Fc1 = Linear(spec.EmbeddingDim, spec.EmbeddingDim);
        Fc2 = Linear(spec.EmbeddingDim, spec.Classes);
        register_module("encoder", Encoder);
        register_module("fc1", Fc1);
        register_module("fc2", Fc2);
    }

    public Encoder Encoder { get; }

    public Linear Fc1 { get; }

    public Linear Fc2 { get; }

    public IEnumerable<Parameter> HeadParameters() => Fc1.parameters().Concat(Fc2.parameters());

    public Tensor Encode(Tensor input) => Encoder.call(input);

    /// <summary>Logits [N, K]; dropout only when <paramref name="stochastic"/>, drawn from <paramref name="generator"/> for CPU tensors.</summary>
    public Tensor Head(Tensor embedding, bool stochastic, Generator? generator)
    {
        var drop = stochastic && _dropout > 0.0;
        var h = drop ? DropoutWith(embedding, _dropout, generator) : embedding;
        h = functional.relu(Fc1.call(h));
        if (drop)
        {
            h = DropoutWith(h, _dropout, generator);
        }

        return Fc2.call(h);
    }

    public override Tensor forward(Tensor input) => Head(Encode(input), stochastic: false, generator: null);

    private static Tensor DropoutWith(Tensor x, double p, Generator? generator)
    {
        var keep = empty_like(x);
        keep.bernoulli_(1.0 - p, generator is not null && x.device_type == DeviceType.CPU ? generator : null);
        return x * keep * (1.0 / (1.0 - p));
    }
}
