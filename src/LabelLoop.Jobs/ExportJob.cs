using LabelLoop.Jobs.Export;
using LabelLoop.Jobs.Training;

namespace LabelLoop.Jobs;

/// <summary>
/// Writes one export's file. Stored once (<see cref="JobKeys.Export"/>), durable and recoverable; each firing
/// carries one job-run id, and exports may run side by side (they are disk and database work, not libtorch).
/// </summary>
public sealed class ExportJob(ExportRunner runner) : JobRunJob
{
    protected override Task RunAsync(long jobRunId, RunAttempt attempt, CancellationToken cancellationToken) =>
        runner.RunAsync(jobRunId, attempt, cancellationToken);
}
