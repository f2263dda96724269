namespace LabelLoop.Ml;

/// <summary>
/// A model engine call failed; <see cref="EngineMessage"/> names the problem (for example a buffer size, a NaN
/// feature, a label outside the class range, a truncated checkpoint).
/// </summary>
/// <remarks>
/// Bad input never crashes the process: the engine validates every argument before any tensor is made and
/// reports the failure here. The model involved keeps the state it had before the failed call.
/// </remarks>
public sealed class ModelEngineException : Exception
{
    /// <summary>Creates an exception with a generic message.</summary>
    public ModelEngineException()
        : this(EngineStatus.Internal, "The model engine failed.")
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/> and <see cref="EngineStatus.Internal"/>.</summary>
    public ModelEngineException(string message)
        : this(EngineStatus.Internal, message)
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/> wrapping <paramref name="innerException"/>.</summary>
    public ModelEngineException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = EngineStatus.Internal;
        EngineMessage = message;
    }

    /// <summary>Creates an exception for a failed engine call.</summary>
    /// <param name="status">What kind of failure it was.</param>
    /// <param name="engineMessage">The problem, prefixed with the operation that failed.</param>
    public ModelEngineException(EngineStatus status, string engineMessage)
        : base(Describe(status, engineMessage))
    {
        Status = status;
        EngineMessage = engineMessage;
    }

    /// <summary>What kind of failure it was.</summary>
    public EngineStatus Status { get; }

    /// <summary>The engine's own message, prefixed with the operation that failed.</summary>
    public string EngineMessage { get; }

    private static string Describe(EngineStatus status, string engineMessage)
    {
        var name = Enum.IsDefined(status) ? status.ToString() : $"unknown status {(int)status}";
        var text = string.IsNullOrEmpty(engineMessage) ? "(no message)" : engineMessage;
        return $"Model engine error ({name}): {text}";
    }
}
