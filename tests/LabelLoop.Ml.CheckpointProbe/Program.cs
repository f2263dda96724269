using System.Globalization;
using System.Runtime.InteropServices;
using LabelLoop.Ml;
using LabelLoop.Ml.TorchSharp;

// Usage: LabelLoop.Ml.CheckpointProbe CHECKPOINT PIXELS.f32 COUNT OUTPUT.f32
// Loads CHECKPOINT in a fresh process, predicts class probabilities for COUNT items of raw float pixels and
// writes them as raw floats, so a test can compare them with what the saving process predicted.
if (args.Length != 4 || !int.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
{
    await Console.Error.WriteLineAsync("usage: LabelLoop.Ml.CheckpointProbe CHECKPOINT PIXELS.f32 COUNT OUTPUT.f32");
    return 2;
}

var engine = new TorchSharpEngine(new EngineOptions { Threads = 2, Seed = 1, Device = ModelDevice.Cpu });
using var model = engine.LoadModel(args[0]);
var pixels = MemoryMarshal.Cast<byte, float>(await File.ReadAllBytesAsync(args[1])).ToArray();
var probabilities = engine.PredictProbabilities(model, ModelBatch.FromPixels(pixels, count));
await File.WriteAllBytesAsync(args[3], MemoryMarshal.AsBytes(probabilities.AsSpan()).ToArray());
return 0;
