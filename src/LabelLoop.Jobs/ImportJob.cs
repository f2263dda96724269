using LabelLoop.Jobs.Import;
using LabelLoop.Jobs.Training;

namespace LabelLoop.Jobs;

/// <summary>Imports an uploaded file into a project. One durable job per project; each firing carries one job-run id.</summary>
public sealed class ImportJob(ImportRunner runner) : JobRunJob
{
    protected override Task RunAsync(long jobRunId, RunAttempt attempt, CancellationToken cancellationToken) =>
        runner.RunAsync(jobRunId, attempt, cancellationToken);
}
