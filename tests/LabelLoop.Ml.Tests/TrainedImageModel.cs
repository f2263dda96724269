[assembly: AssemblyFixture(typeof(LabelLoop.Ml.Tests.TrainedImageModel))]

namespace LabelLoop.Ml.Tests;

/// <summary>One image model trained once per test run, shared by read-only tests.</summary>
/// <remarks>Built lazily, so a run without the native library (all native tests skipped) never touches it.</remarks>
public sealed class TrainedImageModel : IDisposable
{
    private readonly Lazy<State> _state = new(Build);

    public TorchModelEngine Engine => _state.Value.Engine;

    public EngineModel Model => _state.Value.Model;

    public TrainingResult Result => _state.Value.Result;

    public (float[] Pixels, int[] Labels) Train => _state.Value.Train;

    public (float[] Pixels, int[] Labels) Test => _state.Value.Test;

    public ModelBatch TestBatch => ModelBatch.FromPixels(Test.Pixels, Test.Labels.Length);

    public void Dispose()
    {
        if (_state.IsValueCreated)
        {
            _state.Value.Model.Dispose();
        }
    }

    private static State Build()
    {
        var engine = new TorchModelEngine(new EngineOptions { Threads = 2, Seed = 1, Device = ModelDevice.Cpu });
        var train = TestData.Quadrants(400, 3);
        var test = TestData.Quadrants(200, 4);
        var model = engine.CreateModel(TestData.ImageSpec());
        var result = engine.Train(model, ModelBatch.FromPixels(train.Pixels, 400), train.Labels, TestData.QuickTraining());
        return new State(engine, model, result, train, test);
    }

    private sealed record State(
        TorchModelEngine Engine,
        EngineModel Model,
        TrainingResult Result,
        (float[] Pixels, int[] Labels) Train,
        (float[] Pixels, int[] Labels) Test);
}
