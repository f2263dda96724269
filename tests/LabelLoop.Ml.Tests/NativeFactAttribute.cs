using System.Runtime.CompilerServices;

namespace LabelLoop.Ml.Tests;

/// <summary>
/// A fact that needs liblabelloop_native.so. It is skipped, with the loader's list of tried paths as the
/// reason, when the library cannot be loaded, unless LABELLOOP_REQUIRE_NATIVE=1 (set by `make test`): then
/// it runs and fails loudly instead of skipping.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class NativeFactAttribute : FactAttribute
{
    public const string RequireVariable = "LABELLOOP_REQUIRE_NATIVE";

    public NativeFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (Environment.GetEnvironmentVariable(RequireVariable) == "1")
        {
            return;
        }

        var probe = TorchModelEngine.Probe();
        if (!probe.NativeAvailable)
        {
            Skip = $"Native engine unavailable (set {RequireVariable}=1 to fail instead). {probe.UnavailableReason}";
        }
    }
}
