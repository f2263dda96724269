namespace LabelLoop.Ml;

/// <summary>Which implementation of <see cref="IModelEngine"/> runs the models (<c>Ml:Engine</c>, <c>--engine native|torchsharp</c>).</summary>
public enum EngineKind
{
    /// <summary><see cref="TorchModelEngine"/>: libtorch through liblabelloop_native.so.</summary>
    Native = 0,

    /// <summary><see cref="TorchSharp.TorchSharpEngine"/>: libtorch through TorchSharp, in managed code.</summary>
    TorchSharp = 1,
}
