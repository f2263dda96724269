using static TorchSharp.torch;

namespace LabelLoop.Ml.TorchSharp;

/// <summary>Copies of every parameter and buffer of a module: rolls back failed training and keeps the best epoch.</summary>
internal sealed class StateSnapshot : IDisposable
{
    private readonly List<(string Name, Tensor Value)> _tensors = [];

    public StateSnapshot(nn.Module module)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (name, parameter) in module.named_parameters())
        {
            _tensors.Add((name, parameter.detach().clone().DetachFromDisposeScope()));
        }

        foreach (var (name, buffer) in module.named_buffers())
        {
            _tensors.Add((name, buffer.detach().clone().DetachFromDisposeScope()));
        }
    }

    public IReadOnlyList<(string Name, Tensor Value)> Tensors => _tensors;

    /// <summary>
    /// Runs <paramref name="step"/> on <paramref name="module"/>; when it throws (a failure or a cancellation), the
    /// module gets its weights back and returns to evaluation mode before the exception goes on.
    /// </summary>
    public static T RollBackOnFailure<T>(nn.Module module, Func<T> step)
    {
        using var before = new StateSnapshot(module);
        try
        {
            return step();
        }
        catch
        {
            before.RestoreInto(module);
            module.eval();
            throw;
        }
    }

    public void RestoreInto(nn.Module module)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        var buffers = module.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        foreach (var (name, value) in _tensors)
        {
            if (parameters.TryGetValue(name, out var target) || buffers.TryGetValue(name, out target))
            {
                target.copy_(value);
            }
        }
    }

    public void Dispose()
    {
        foreach (var (_, value) in _tensors)
        {
            value.Dispose();
        }

        _tensors.Clear();
    }
}
