using LabelLoop.Jobs.Training;

namespace LabelLoop.Jobs;

/// <summary>
/// Trains a project's committee and switches its ranking to the result. Stored once per project
/// (<see cref="JobKeys.TrainAndScore"/>), non-concurrent and recoverable; each firing carries one job-run id.
/// </summary>
public sealed class TrainAndScoreJob(TrainingRunner runner) : JobRunJob
{
    protected override Task RunAsync(long jobRunId, RunAttempt attempt, CancellationToken cancellationToken) =>
        runner.RunAsync(jobRunId, attempt, cancellationToken);
}
