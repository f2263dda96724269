using System.Text;

namespace LabelLoop.Ml.Native;

/// <summary>The one place where native statuses become exceptions.</summary>
internal static unsafe class NativeErrors
{
    /// <summary>
    /// Throws <see cref="LabelLoopNativeException"/> unless <paramref name="status"/> is OK. Must run on
    /// the thread that made the call, right after it: the message is thread-local native state.
    /// </summary>
    internal static void ThrowIfFailed(this NativeStatus status)
    {
        if (status != NativeStatus.Ok)
        {
            throw new LabelLoopNativeException(status, LastError());
        }
    }

    /// <summary>The calling thread's last native error message.</summary>
    internal static string LastError()
    {
        Span<byte> buffer = stackalloc byte[1024];
        int length;
        fixed (byte* p = buffer)
        {
            length = LabelLoopNative.ll_last_error(p, buffer.Length);
        }

        if (length < buffer.Length)
        {
            return Encoding.UTF8.GetString(buffer[..length]);
        }

        var large = new byte[length + 1];
        fixed (byte* p = large)
        {
            length = Math.Min(LabelLoopNative.ll_last_error(p, large.Length), large.Length - 1);
        }

        return Encoding.UTF8.GetString(large, 0, length);
    }
}
