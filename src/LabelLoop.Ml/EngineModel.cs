namespace LabelLoop.Ml;

/// <summary>A model created or loaded by an <see cref="IModelEngine"/>.</summary>
/// <remarks>
/// The caller that created or loaded the model owns it and must dispose it; pass it back only to the
/// engine that made it. Use a model from one thread at a time.
/// </remarks>
public abstract class EngineModel : IDisposable
{
    /// <summary>The model's architecture.</summary>
    public abstract ModelSpec Spec { get; }

    /// <summary>Releases the model's native resources.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases resources; <paramref name="disposing"/> is false only from a finalizer.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
