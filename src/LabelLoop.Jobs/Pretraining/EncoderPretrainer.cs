using System.Diagnostics;
using System.Text.Json;
using LabelLoop.Ml;

namespace LabelLoop.Jobs.Pretraining;

/// <summary>A pretraining run: epochs in all, how often to checkpoint, and the engine options for each call.</summary>
public sealed record PretrainPlan(int TotalEpochs, int EpochsPerCheckpoint, PretrainingOptions Options);

/// <summary>A finished pretraining: the encoder (owned by the caller) and how it went.</summary>
public sealed record PretrainOutcome(EngineModel Model, int Epochs, float FirstLoss, float FinalLoss, double ItemsPerSecond, double Seconds, int ResumedAtEpoch);

/// <summary>
/// Pretrains an encoder in chunks of epochs, saving a checkpoint after each, so a run that crashes resumes from its
/// last checkpoint instead of starting over. The chunks run on one model, so the engine carries the pretext head
/// and optimizer state from one to the next; only a resumed run starts with a fresh head. Pure compute on the
/// engine: the job and the simulator share it.
/// </summary>
public static class EncoderPretrainer
{
    private const string CheckpointFile = "pretrain.ckpt";
    private const string StateFile = "pretrain-state.json";

    private sealed record State(int EpochsDone, float FirstLoss, float FinalLoss, double Seconds);

    /// <param name="checkpointDir">Where checkpoints go; null runs without them (the simulator).</param>
    /// <param name="progress">Called after each chunk with (epochs done, epochs in all, latest loss).</param>
    public static PretrainOutcome Run(
        IModelEngine engine,
        ModelSpec spec,
        ModelBatch batch,
        PretrainPlan plan,
        string? checkpointDir,
        Action<int, int, float>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(plan);
        var total = Math.Max(1, plan.TotalEpochs);
        var chunk = Math.Max(1, plan.EpochsPerCheckpoint);
        var state = checkpointDir is null ? null : TryLoadState(checkpointDir);
        EngineModel? model = null;
        try
        {
            if (state is not null && state.EpochsDone < total)
            {
                try
                {
                    model = engine.LoadModel(Path.Combine(checkpointDir!, CheckpointFile), spec);
                }
                catch (Exception ex) when (ex is ModelEngineException or IOException or InvalidDataException)
                {
                    // A checkpoint that cannot be read is not worth failing over: start again.
                    state = null;
                }
            }
            else
            {
                state = null;
            }
            model ??= engine.CreateModel(spec);
            var resumedAt = state?.EpochsDone ?? 0;
            var done = resumedAt;
            var first = state?.FirstLoss ?? float.NaN;
            var last = state?.FinalLoss ?? float.NaN;
            var seconds = state?.Seconds ?? 0;
            while (done < total)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var epochs = Math.Min(chunk, total - done);
                var clock = Stopwatch.StartNew();
                var result = engine.Pretrain(model, batch, plan.Options with
                {
                    Epochs = epochs,
                    FirstEpoch = done + 1,
                    TotalEpochs = total,
                    Seed = plan.Options.Seed + done,
                }, null, cancellationToken);
                seconds += clock.Elapsed.TotalSeconds;
                if (float.IsNaN(first))
                {
                    first = result.FirstLoss;
                }
                last = result.FinalLoss;
                done += epochs;
                if (checkpointDir is not null && done < total)
                {
                    Directory.CreateDirectory(checkpointDir);
                    engine.SaveModel(model, Path.Combine(checkpointDir, CheckpointFile));
                    var json = JsonSerializer.Serialize(new State(done, first, last, seconds));
                    File.WriteAllText(Path.Combine(checkpointDir, StateFile + ".tmp"), json);
                    File.Move(Path.Combine(checkpointDir, StateFile + ".tmp"), Path.Combine(checkpointDir, StateFile), overwrite: true);
                }
                progress?.Invoke(done, total, last);
            }
            var rate = seconds > 0 ? (double)batch.Count * (total - resumedAt) / seconds : 0;
            var outcome = new PretrainOutcome(model, total, first, last, rate, seconds, resumedAt);
            model = null;
            return outcome;
        }
        finally
        {
            model?.Dispose();
        }
    }

    /// <summary>Removes the resume files once the encoder is published.</summary>
    public static void DeleteCheckpoints(string checkpointDir)
    {
        File.Delete(Path.Combine(checkpointDir, CheckpointFile));
        File.Delete(Path.Combine(checkpointDir, StateFile));
    }

    private static State? TryLoadState(string dir)
    {
        var path = Path.Combine(dir, StateFile);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<State>(File.ReadAllText(path)) : null;
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            return null;
        }
    }
}
