namespace LabelLoop.Ml;

/// <summary>What kind of failure a model engine call had.</summary>
/// <remarks>Carried by <see cref="ModelEngineException.Status"/>.</remarks>
public enum EngineStatus : int
{
    /// <summary>The call succeeded.</summary>
    Ok = 0,

    /// <summary>A pointer, size, value, configuration or checkpoint architecture was wrong.</summary>
    InvalidArgument = 1,

    /// <summary>A file was missing, unreadable, truncated or corrupt.</summary>
    IoError = 2,

    /// <summary>libtorch raised an error.</summary>
    TorchError = 3,

    /// <summary>A host or device allocation failed.</summary>
    OutOfMemory = 4,

    /// <summary>Training stopped because the caller asked it to.</summary>
    Cancelled = 5,

    /// <summary>A bug in the engine.</summary>
    Internal = 99,
}
