namespace LabelLoop.Ml.Tests;

/// <summary>One engine, and one image model trained on it once per test run, shared by read-only tests.</summary>
/// <remarks>
/// Built lazily, so a run without the native library never touches it: a test that asks an unavailable engine for
/// anything is skipped, unless LABELLOOP_REQUIRE_NATIVE=1 (set by `make test`), when it fails loudly instead.
/// </remarks>
public abstract class TrainedImageModel : IDisposable
{
    /// <summary>Set to 1 to fail, rather than skip, the tests of an engine that cannot run.</summary>
    public const string RequireVariable = "LABELLOOP_REQUIRE_NATIVE";

    private readonly Lazy<State> _state;

    protected TrainedImageModel() => _state = new(Build);

    /// <summary>The engine, with two threads on the CPU.</summary>
    public IModelEngine Engine => Available()._state.Value.Engine;

    public EngineModel Model => _state.Value.Model;

    public TrainingResult Result => _state.Value.Result;

    public (float[] Pixels, int[] Labels) Train => _state.Value.Train;

    public (float[] Pixels, int[] Labels) Test => _state.Value.Test;

    public ModelBatch TestBatch => ModelBatch.FromPixels(Test.Pixels, Test.Labels.Length);

    /// <summary>Another engine of the same kind with other options (process-wide settings stay the first engine's).</summary>
    public IModelEngine NewEngine(EngineOptions options) => Available().CreateEngine(options);

    /// <summary>Why the engine cannot run here, or null.</summary>
    protected abstract string? UnavailableReason { get; }

    public void Dispose()
    {
        if (_state.IsValueCreated)
        {
            _state.Value.Model.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    protected abstract IModelEngine CreateEngine(EngineOptions options);

    private TrainedImageModel Available()
    {
        if (Environment.GetEnvironmentVariable(RequireVariable) != "1" && UnavailableReason is { } reason)
        {
            Assert.Skip($"Engine unavailable (set {RequireVariable}=1 to fail instead). {reason}");
        }

        return this;
    }

    private State Build()
    {
        var engine = CreateEngine(new EngineOptions { Threads = 2, Seed = 1, Device = ModelDevice.Cpu });
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
