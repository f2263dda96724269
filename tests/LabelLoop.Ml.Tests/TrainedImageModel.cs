using LabelLoop.Ml.TorchSharp;

[assembly: AssemblyFixture(typeof(LabelLoop.Ml.Tests.TrainedImageModel))]

namespace LabelLoop.Ml.Tests;

/// <summary>One engine, and one image model trained on it once per test run, shared by read-only tests.</summary>
/// <remarks>Built lazily, on the first test that asks for it.</remarks>
public sealed class TrainedImageModel : IDisposable
{
    private readonly Lazy<State> _state = new(Build);

    /// <summary>The options of every test's first engine: the process-wide settings (threads, seed) come from it.</summary>
    public static EngineOptions Options { get; } = new() { Threads = 2, Seed = 1, Device = ModelDevice.Cpu };

    /// <summary>True when libtorch has CUDA and sees a GPU.</summary>
    public static bool CudaAvailable => NewEngine(Options).Info.CudaAvailable;

    /// <summary>The engine, with two threads on the CPU.</summary>
    public IModelEngine Engine => _state.Value.Engine;

    public EngineModel Model => _state.Value.Model;

    public TrainingResult Result => _state.Value.Result;

    public (float[] Pixels, int[] Labels) Train => _state.Value.Train;

    public (float[] Pixels, int[] Labels) Test => _state.Value.Test;

    public ModelBatch TestBatch => ModelBatch.FromPixels(Test.Pixels, Test.Labels.Length);

    /// <summary>Another engine with other options (process-wide settings stay the first engine's).</summary>
    public static IModelEngine NewEngine(EngineOptions options) => new TorchSharpEngine(options);

    public void Dispose()
    {
        if (_state.IsValueCreated)
        {
            _state.Value.Model.Dispose();
        }
    }

    private static State Build()
    {
        var engine = NewEngine(Options);
        var train = TestData.Quadrants(400, 3);
        var test = TestData.Quadrants(200, 4);
        var model = engine.CreateModel(TestData.ImageSpec());
        var result = engine.Train(model, ModelBatch.FromPixels(train.Pixels, 400), train.Labels, TestData.QuickTraining());
        return new State(engine, model, result, train, test);
    }

    private sealed record State(
        IModelEngine Engine,
        EngineModel Model,
        TrainingResult Result,
        (float[] Pixels, int[] Labels) Train,
        (float[] Pixels, int[] Labels) Test);
}
