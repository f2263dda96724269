using System.Globalization;
using LabelLoop.Jobs.Simulation;
using Quartz;

namespace LabelLoop.Jobs;

/// <summary>
/// Runs a simulation of a project's learning loop (<see cref="SimulationRunner"/>). Stored once per project
/// (<see cref="JobKeys.Simulate"/>), non-concurrent; each firing carries one job-run id.
/// </summary>
public sealed class SimulateJob(SimulationRunner runner) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var runId = long.Parse((string)context.MergedJobDataMap[JobKeys.JobRunId]!, CultureInfo.InvariantCulture);
        await runner.RunAsync(runId, cancellationToken);
    }
}
