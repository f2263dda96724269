using System.Runtime.CompilerServices;

namespace LabelLoop.Ml.Tests;

/// <summary>The data-driven counterpart of <see cref="NativeFactAttribute"/>, with the same skip rule.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class NativeTheoryAttribute : TheoryAttribute
{
    public NativeTheoryAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (Environment.GetEnvironmentVariable(NativeFactAttribute.RequireVariable) == "1")
        {
            return;
        }

        var probe = TorchModelEngine.Probe();
        if (!probe.NativeAvailable)
        {
            Skip = $"Native engine unavailable (set {NativeFactAttribute.RequireVariable}=1 to fail instead). {probe.UnavailableReason}";
        }
    }
}
