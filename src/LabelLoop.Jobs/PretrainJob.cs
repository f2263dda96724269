using LabelLoop.Jobs.Pretraining;
using LabelLoop.Jobs.Training;

namespace LabelLoop.Jobs;

/// <summary>
/// Pretrains a project's encoder. Stored once per project (<see cref="JobKeys.Pretrain"/>), non-concurrent and
/// recoverable (a recovered run resumes from its last checkpoint); each firing carries one job-run id.
/// </summary>
public sealed class PretrainJob(PretrainRunner runner) : JobRunJob
{
    protected override Task RunAsync(long jobRunId, RunAttempt attempt, CancellationToken cancellationToken) =>
        runner.RunAsync(jobRunId, attempt, cancellationToken);
}
