using LabelLoop.Ml.Native;

namespace LabelLoop.Ml.Tests;

public sealed class NativeLibraryLoaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ll-loader-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Candidates_start_with_the_environment_path_then_the_runtimes_folder_then_the_base_folder()
    {
        var paths = NativeLibraryLoader.CandidatePaths("/opt/ll/liblabelloop_native.so", "/app");

        Assert.Equal(
            ["/opt/ll/liblabelloop_native.so", "/app/runtimes/linux-x64/native/liblabelloop_native.so", "/app/liblabelloop_native.so"],
            paths);
    }

    [Fact]
    public void An_environment_folder_is_searched_for_the_library_file()
    {
        var paths = NativeLibraryLoader.CandidatePaths(_directory, "/app");

        Assert.Equal(Path.Combine(_directory, NativeLibraryLoader.FileName), paths[0]);
    }

    [Fact]
    public void Without_an_environment_value_only_the_application_folders_are_tried()
        => Assert.Equal(2, NativeLibraryLoader.CandidatePaths(null, "/app").Count);

    [Fact]
    public void Failure_message_lists_every_path_tried_and_why()
    {
        var notALibrary = Path.Combine(_directory, "liblabelloop_native.so");
        File.WriteAllText(notALibrary, "not an ELF file");
        string[] candidates = [Path.Combine(_directory, "missing", "liblabelloop_native.so"), notALibrary];

        var (handle, path, failure) = NativeLibraryLoader.Probe(candidates, "liblabelloop_native_does_not_exist.so");

        Assert.Equal(IntPtr.Zero, handle);
        Assert.Null(path);
        Assert.NotNull(failure);
        Assert.Contains(candidates[0] + ": not found", failure, StringComparison.Ordinal);
        Assert.Contains(notALibrary + ": ", failure, StringComparison.Ordinal);
        Assert.Contains("liblabelloop_native_does_not_exist.so via the system search path", failure, StringComparison.Ordinal);
        Assert.Contains(NativeLibraryLoader.EnvironmentVariable, failure, StringComparison.Ordinal);
    }
}
