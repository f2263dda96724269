using System.Diagnostics;
using System.Runtime.InteropServices;
using LabelLoop.Ml.Native;

namespace LabelLoop.Ml.Tests;

public sealed class CheckpointProcessTests(NativeTrainedImageModel trained) : IDisposable
{
    private const string ProbeName = "ll_checkpoint_probe";

    private readonly string _directory = Directory.CreateTempSubdirectory("ll-process-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [NativeFact]
    public async Task Checkpoint_saved_here_loads_in_another_process_with_identical_probabilities()
    {
        var probe = FindProbe();
        var checkpoint = Path.Combine(_directory, "model.llm");
        var input = Path.Combine(_directory, "input.f32");
        var output = Path.Combine(_directory, "output.f32");
        trained.Engine.SaveModel(trained.Model, checkpoint);
        await File.WriteAllBytesAsync(input, MemoryMarshal.AsBytes(trained.Test.Pixels.AsSpan()).ToArray(), TestContext.Current.CancellationToken);

        using var child = Process.Start(new ProcessStartInfo(probe, [checkpoint, input, trained.Test.Labels.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), output])
        {
            RedirectStandardError = true,
        })!;
        var stderr = await child.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await child.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(child.ExitCode == 0, $"{probe} exited with {child.ExitCode}: {stderr}");
        var childProbabilities = MemoryMarshal.Cast<byte, float>(await File.ReadAllBytesAsync(output, TestContext.Current.CancellationToken)).ToArray();
        Assert.Equal(trained.Engine.PredictProbabilities(trained.Model, trained.TestBatch), childProbabilities);
    }

    // The probe is built next to the library by cmake (artifacts/native); the test output only has the .so.
    private static string FindProbe()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(NativeLibraryLoader.EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            var folder = Directory.Exists(fromEnvironment) ? fromEnvironment : Path.GetDirectoryName(fromEnvironment)!;
            if (File.Exists(Path.Combine(folder, ProbeName)))
            {
                return Path.Combine(folder, ProbeName);
            }
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "artifacts", "native", ProbeName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{ProbeName} not found next to {NativeLibraryLoader.EnvironmentVariable} or under artifacts/native above {AppContext.BaseDirectory}; build the native library with cmake first.");
    }
}
