#:project ../../src/LabelLoop.Ml/LabelLoop.Ml.csproj
#:property PublishAot=false

// The managed half of bench/engine/run.sh: scores a generated pool with a committee through
// IModelEngine (P/Invoke into liblabelloop_native), exactly as the scoring job does.
//
//   dotnet run bench/engine/ScoreBench.cs -- prepare DIR MEMBERS
//       creates MEMBERS freshly initialised 28x28 grayscale, 10-class members (default ModelSpec) in DIR
//   dotnet run bench/engine/ScoreBench.cs -- score POOL_ITEMS THREADS CHECKPOINT...
//       warms up, times one pass of every member over the pool, prints
//       "managed <images/s> <checksum> <CPU seconds of all threads>"
using System.Diagnostics;
using System.Globalization;
using LabelLoop.Ml;

var culture = CultureInfo.InvariantCulture;
if (args.Length >= 3 && args[0] == "prepare")
{
    var engine = new TorchModelEngine(new EngineOptions { Device = ModelDevice.Cpu });
    Directory.CreateDirectory(args[1]);
    for (var i = 1; i <= int.Parse(args[2], culture); i++)
    {
        using var member = engine.CreateModel(ModelSpec.ForImages(classes: 10, seed: i));
        engine.SaveModel(member, Path.Combine(args[1], $"member{i}.llm"));
    }

    return 0;
}

if (args.Length >= 4 && args[0] == "score")
{
    var items = int.Parse(args[1], culture);
    var engine = new TorchModelEngine(new EngineOptions { Threads = int.Parse(args[2], culture), Device = ModelDevice.Cpu });
    var members = args[3..].Select(path => engine.LoadModel(path)).ToList();
    var spec = members[0].Spec;
    var pool = MakePool((long)items * spec.ValuesPerItem);
    var batch = ModelBatch.FromPixels(pool, items);

    foreach (var member in members)
    {
        engine.PredictProbabilities(member, ModelBatch.FromPixels(pool.AsMemory(0, 512 * spec.ValuesPerItem), 512));
    }

    var checksum = 0.0;
    var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    foreach (var member in members)
    {
        var probabilities = engine.PredictProbabilities(member, batch);
        for (var i = 0; i < items; i++)
        {
            checksum += probabilities[i * spec.Classes];
        }
    }

    clock.Stop();
    var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuStart;
    Console.WriteLine(string.Create(culture, $"managed {items / clock.Elapsed.TotalSeconds:F1} {checksum:F6} {cpu.TotalSeconds:F3}"));
    members.ForEach(m => m.Dispose());
    return 0;
}

Console.Error.WriteLine("usage: ScoreBench.cs prepare DIR MEMBERS | score POOL_ITEMS THREADS CHECKPOINT...");
return 64;

// Must match plain_loop.cpp: a 64-bit LCG, top 24 bits as a float in [0, 1).
static float[] MakePool(long count)
{
    var pool = new float[count];
    var state = 20240601UL;
    for (long i = 0; i < count; i++)
    {
        state = unchecked((state * 6364136223846793005UL) + 1442695040888963407UL);
        pool[i] = (state >> 40) / 16777216.0f;
    }

    return pool;
}
