using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace LabelLoop.Ml.Native;

/// <summary>
/// Finds and loads liblabelloop_native.so once per process, checks its ABI version, and answers
/// the runtime's DllImport resolution with that handle.
/// </summary>
/// <remarks>
/// Probe order: <c>LABELLOOP_NATIVE_PATH</c> (a file or a folder), then
/// <c>AppContext.BaseDirectory/runtimes/linux-x64/native/</c>, then <c>AppContext.BaseDirectory</c>,
/// then the system search path. A failure names every path tried and why each failed.
/// </remarks>
internal static unsafe class NativeLibraryLoader
{
    internal const string EnvironmentVariable = "LABELLOOP_NATIVE_PATH";
    internal const string FileName = "liblabelloop_native.so";

    private static readonly Lock Gate = new();
    private static IntPtr s_handle;
    private static string? s_path;
    private static string? s_failure;
    private static bool s_attempted;
    private static bool s_abiMismatch;

    /// <summary>The loaded library's path, or null when it is not loaded.</summary>
    internal static string? LoadedPath => s_path;

    /// <summary>Loads the library (first call only) and returns its path.</summary>
    /// <exception cref="DllNotFoundException">No candidate could be loaded; the message lists them.</exception>
    /// <exception cref="InvalidOperationException">The library's ABI version differs from this assembly's.</exception>
    internal static string EnsureLoaded()
    {
        if (TryLoad(out var path, out var failure))
        {
            return path;
        }

        throw s_abiMismatch
            ? new InvalidOperationException(failure)
            : new DllNotFoundException(failure);
    }

    /// <summary>Loads the library if possible; never throws.</summary>
    internal static bool TryLoad([NotNullWhen(true)] out string? path, [NotNullWhen(false)] out string? failure)
    {
        lock (Gate)
        {
            if (!s_attempted)
            {
                s_attempted = true;
                var candidates = CandidatePaths(Environment.GetEnvironmentVariable(EnvironmentVariable), AppContext.BaseDirectory);
                var (handle, loadedFrom, message) = Probe(candidates, FileName);
                if (handle != IntPtr.Zero)
                {
                    message = CheckAbi(handle, loadedFrom!);
                    s_abiMismatch = message is not null;
                    if (message is null)
                    {
                        s_handle = handle;
                        s_path = loadedFrom;
                        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryLoader).Assembly, Resolve);
                    }
                }

                s_failure = message;
            }

            path = s_path;
            failure = s_failure;
            return path is not null;
        }
    }

    /// <summary>The file paths to try, in order (the system search comes after them).</summary>
    internal static IReadOnlyList<string> CandidatePaths(string? environmentValue, string baseDirectory)
    {
        var paths = new List<string>();
        if (!string.IsNullOrWhiteSpace(environmentValue))
        {
            paths.Add(Directory.Exists(environmentValue) ? Path.Combine(environmentValue, FileName) : environmentValue);
        }

        paths.Add(Path.Combine(baseDirectory, "runtimes", "linux-x64", "native", FileName));
        paths.Add(Path.Combine(baseDirectory, FileName));
        return paths;
    }

    /// <summary>
    /// Tries each candidate file, then <paramref name="systemName"/> through the system search path
    /// (LD_LIBRARY_PATH, the ld.so cache). Returns the first handle, or a message listing every attempt.
    /// </summary>
    internal static (IntPtr Handle, string? Path, string? Failure) Probe(IReadOnlyList<string> candidates, string systemName)
    {
        var attempts = new StringBuilder();
        foreach (var candidate in candidates)
        {
            if (!File.Exists(candidate))
            {
                attempts.Append("\n  ").Append(candidate).Append(": not found");
                continue;
            }

            try
            {
                return (NativeLibrary.Load(candidate), candidate, null);
            }
            catch (DllNotFoundException e)
            {
                // The runtime's message carries dlerror(), e.g. a missing libtorch dependency.
                attempts.Append("\n  ").Append(candidate).Append(": ").Append(e.Message);
            }
            catch (BadImageFormatException e)
            {
                attempts.Append("\n  ").Append(candidate).Append(": ").Append(e.Message);
            }
        }

        if (NativeLibrary.TryLoad(systemName, out var handle))
        {
            return (handle, systemName, null);
        }

        attempts.Append("\n  ").Append(systemName).Append(" via the system search path (LD_LIBRARY_PATH, ld.so cache): not found");
        var message = $"The LabelLoop native engine ({FileName}) could not be loaded, so training and scoring are unavailable. " +
            $"Build it with `make` (cmake), or set {EnvironmentVariable} to the library or its folder. Tried:{attempts}";
        return (IntPtr.Zero, null, message);
    }

    private static string? CheckAbi(IntPtr handle, string path)
    {
        if (!NativeLibrary.TryGetExport(handle, "ll_abi_version", out var export))
        {
            return $"ABI check failed: {path} does not export ll_abi_version, so it is not a LabelLoop native engine.";
        }

        var version = ((delegate* unmanaged<int>)export)();
        return version == LabelLoopNative.ExpectedAbiVersion
            ? null
            : $"ABI version mismatch: {path} implements ABI version {version} but LabelLoop.Ml expects version {LabelLoopNative.ExpectedAbiVersion}; rebuild the native library and the .NET projects from the same commit.";
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
        => libraryName == LabelLoopNative.LibraryName ? s_handle : IntPtr.Zero;
}
