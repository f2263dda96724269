using System.Text.Json;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Jobs;
using LabelLoop.Data;
using LabelLoop.Data.Jobs;
using LabelLoop.Data.Models;
using LabelLoop.Jobs.Pretraining;
using LabelLoop.Jobs.Training;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Xunit;

namespace LabelLoop.Jobs.Tests;

/// <summary>
/// Warm starts on the real engine: a new model version continues from the previous one for a fraction of the steps,
/// and starts over when the project turns them off or its encoder is pretrained again.
/// </summary>
public sealed class WarmStartTests(EngineJobsFixture fixture) : IClassFixture<EngineJobsFixture>
{
    private const int Items = 160;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private Task<RunOutcome> TrainAsync(int projectId) => fixture.TrainAsync(projectId, Cancel);

    /// <summary>The active version's accuracy on the items from 80 on (never labeled here), and its metrics.</summary>
    private async Task<(double Accuracy, bool WarmStarted, int Epochs, int? EncoderVersionId)> ActiveAsync(int projectId, List<long> items)
    {
        await using var db = fixture.CreateContext();
        var version = await db.ModelVersions.AsNoTracking().SingleAsync(v => v.ProjectId == projectId && v.IsActive, Cancel);
        var predicted = await db.Predictions.AsNoTracking().Where(p => p.ModelVersionId == version.Id)
            .ToDictionaryAsync(p => p.ItemId, p => p.Label, Cancel);
        var pool = Enumerable.Range(80, Items - 80).ToList();
        var correct = pool.Count(i => predicted[items[i]] == ColourTrainingTests.ClassOf(i));
        using var metrics = JsonDocument.Parse(version.MetricsJson);
        var root = metrics.RootElement;
        var encoderVersionId = root.TryGetProperty("encoderVersionId", out var id) && id.ValueKind == JsonValueKind.Number ? id.GetInt32() : (int?)null;
        return ((double)correct / pool.Count, root.GetProperty("warmStarted").GetBoolean(), root.GetProperty("epochs").GetInt32(), encoderVersionId);
    }

    private Task<(int ProjectId, List<long> Items, Caller Admin)> SquaresAsync(bool pretrain) => fixture.SquaresProjectAsync(Items, pretrain, Cancel);

    [Fact]
    public async Task The_second_version_continues_from_the_first_with_fewer_epochs_and_keeps_its_accuracy()
    {
        EngineJobsFixture.RequireEngine();
        var (projectId, items, admin) = await SquaresAsync(pretrain: false);

        Assert.Equal(RunOutcome.Succeeded, await TrainAsync(projectId));
        var first = await ActiveAsync(projectId, items);
        await fixture.LabelAsync(admin, projectId, items.Skip(40).Take(10), ColourTrainingTests.ClassOf);
        Assert.Equal(RunOutcome.Succeeded, await TrainAsync(projectId));
        var second = await ActiveAsync(projectId, items);

        await fixture.Get<LoopSettingsService>().UpdateAsync(admin, projectId, new LoopSettings(0, 0, 0, 1, "margin", WarmStart: false), Cancel);
        Assert.Equal(RunOutcome.Succeeded, await TrainAsync(projectId));
        var cold = await ActiveAsync(projectId, items);

        Assert.False(first.WarmStarted);
        Assert.True(second.WarmStarted);
        Assert.False(cold.WarmStarted);
        // 50 labels, one batch a pass: epochs are the cold budget's steps and the (smaller) warm one's, which counts the
        // 10 labels the first version had not seen (a fifth of them; a warm round may have up to a quarter).
        Assert.Equal(TrainingSchedule.StepsFor(50), cold.Epochs);
        Assert.Equal(TrainingSchedule.WarmStepsFor(50, newLabels: 10), second.Epochs);
        Assert.True(second.Accuracy >= 0.95, $"warm-started accuracy {second.Accuracy:P1}");
        Assert.True(cold.Accuracy >= 0.95, $"cold accuracy {cold.Accuracy:P1}");
    }

    [Fact]
    public async Task A_newly_pretrained_encoder_makes_the_next_version_start_over_from_it()
    {
        EngineJobsFixture.RequireEngine();
        var (projectId, items, _) = await SquaresAsync(pretrain: true);
        var runs = fixture.Get<JobRunService>();
        async Task PretrainAsync()
        {
            var run = await runs.RequestPretrainingAsync(projectId, null, "test", Cancel);
            Assert.Equal(RunOutcome.Succeeded, await fixture.Get<PretrainRunner>().RunAsync(run.Run.Id, RunAttempt.Only, Cancel));
        }

        // A first version before any encoder (labels came before pretraining ended), then the first encoder.
        Assert.Equal(RunOutcome.Succeeded, await TrainAsync(projectId));
        var beforeEncoder = await ActiveAsync(projectId, items);
        await PretrainAsync();
        Assert.Equal(RunOutcome.Succeeded, await TrainAsync(projectId));
        var firstEncoder = await ActiveAsync(projectId, items);
        Assert.Equal(RunOutcome.Succeeded, await TrainAsync(projectId));
        var warm = await ActiveAsync(projectId, items);
        await PretrainAsync();
        // Which encoder a version trained under is recorded, not read from file times: a restored or copied data
        // directory can leave the new encoder's checkpoint older than the last model's.
        var encoder = await fixture.Get<EncoderVersionService>().GetActiveAsync(projectId, Cancel);
        var encoderCheckpoint = Path.Combine(fixture.Get<IOptions<LabelLoopStorageOptions>>().Value.FullDataDir, encoder!.ArtifactPath, PretrainRunner.CheckpointName);
        File.SetLastWriteTimeUtc(encoderCheckpoint, new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        Assert.Equal(RunOutcome.Succeeded, await TrainAsync(projectId));
        var afterPretraining = await ActiveAsync(projectId, items);
        Assert.Equal(RunOutcome.Succeeded, await TrainAsync(projectId));
        var next = await ActiveAsync(projectId, items);

        Assert.Null(beforeEncoder.EncoderVersionId);
        Assert.False(firstEncoder.WarmStarted);
        Assert.True(warm.WarmStarted);
        Assert.False(afterPretraining.WarmStarted);
        Assert.True(next.WarmStarted);
        Assert.Equal(encoder.Id, next.EncoderVersionId);
    }
}
