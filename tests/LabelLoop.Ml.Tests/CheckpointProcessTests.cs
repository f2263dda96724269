using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace LabelLoop.Ml.Tests;

public sealed class CheckpointProcessTests(TrainedImageModel trained) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ll-process-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Checkpoint_saved_here_loads_in_another_process_with_identical_probabilities()
    {
        // Built beside the tests (a project reference), so it is in this output folder.
        var probe = Path.Combine(AppContext.BaseDirectory, "LabelLoop.Ml.CheckpointProbe.dll");
        var checkpoint = Path.Combine(_directory, "model.llm");
        var input = Path.Combine(_directory, "input.f32");
        var output = Path.Combine(_directory, "output.f32");
        trained.Engine.SaveModel(trained.Model, checkpoint);
        await File.WriteAllBytesAsync(input, MemoryMarshal.AsBytes(trained.Test.Pixels.AsSpan()).ToArray(), TestContext.Current.CancellationToken);

        using var child = Process.Start(new ProcessStartInfo("dotnet", [probe, checkpoint, input, trained.Test.Labels.Length.ToString(CultureInfo.InvariantCulture), output])
        {
            RedirectStandardError = true,
        })!;
        var stderr = await child.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await child.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(child.ExitCode == 0, $"{probe} exited with {child.ExitCode}: {stderr}");
        var childProbabilities = MemoryMarshal.Cast<byte, float>(await File.ReadAllBytesAsync(output, TestContext.Current.CancellationToken)).ToArray();
        Assert.Equal(trained.Engine.PredictProbabilities(trained.Model, trained.TestBatch), childProbabilities);
    }
}
