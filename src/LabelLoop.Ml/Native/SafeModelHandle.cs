using Microsoft.Win32.SafeHandles;

namespace LabelLoop.Ml.Native;

/// <summary>Owns one <c>ll_model*</c>; releasing it calls <c>ll_model_free</c>.</summary>
internal sealed class SafeModelHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    // Public because the LibraryImport marshaller creates instances for `out` parameters (CA1419).
    public SafeModelHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        // ll_model_free never fails and never throws, which ReleaseHandle requires.
        LabelLoopNative.ll_model_free(handle);
        return true;
    }
}
