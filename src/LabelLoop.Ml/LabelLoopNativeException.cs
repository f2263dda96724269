namespace LabelLoop.Ml;

/// <summary>
/// A native engine call failed; <see cref="NativeMessage"/> names the problem (for example a buffer
/// size, a NaN feature, a label outside the class range, a truncated checkpoint).
/// </summary>
/// <remarks>
/// Bad input never crashes the process: the native library validates every argument and reports the
/// failure here. The model involved keeps the state it had before the failed call.
/// </remarks>
public sealed class LabelLoopNativeException : Exception
{
    /// <summary>Creates an exception with a generic message.</summary>
    public LabelLoopNativeException()
        : this(NativeStatus.Internal, "The native engine failed.")
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/> and <see cref="NativeStatus.Internal"/>.</summary>
    public LabelLoopNativeException(string message)
        : this(NativeStatus.Internal, message)
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/> wrapping <paramref name="innerException"/>.</summary>
    public LabelLoopNativeException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = NativeStatus.Internal;
        NativeMessage = message;
    }

    /// <summary>Creates an exception for a failed native call.</summary>
    /// <param name="status">The status the call returned.</param>
    /// <param name="nativeMessage">The thread's last error message, read right after the call.</param>
    public LabelLoopNativeException(NativeStatus status, string nativeMessage)
        : base(Describe(status, nativeMessage))
    {
        Status = status;
        NativeMessage = nativeMessage;
    }

    /// <summary>The status the native call returned.</summary>
    public NativeStatus Status { get; }

    /// <summary>The native library's own message, prefixed with the function that failed.</summary>
    public string NativeMessage { get; }

    private static string Describe(NativeStatus status, string nativeMessage)
    {
        var name = Enum.IsDefined(status) ? status.ToString() : $"unknown status {(int)status}";
        var text = string.IsNullOrEmpty(nativeMessage) ? "(no message)" : nativeMessage;
        return $"Native engine error ({name}): {text}";
    }
}
