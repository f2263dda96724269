using System.Globalization;
using LabelLoop.Jobs.Export;
using LabelLoop.Jobs.Training;
using Quartz;

namespace LabelLoop.Jobs;

/// <summary>
/// Writes one export's file. Stored once (<see cref="JobKeys.Export"/>), durable and recoverable; each firing
/// carries one job-run id, and exports may run side by side (they are disk and database work, not libtorch).
/// </summary>
public sealed class ExportJob(ExportRunner runner) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var runId = long.Parse((string)context.MergedJobDataMap[JobKeys.JobRunId]!, CultureInfo.InvariantCulture);
        var isLast = context.RetryPolicy is not { } policy || context.RetryAttempt >= policy.MaxAttempts;
        try
        {
            await runner.RunAsync(runId, new RunAttempt(context.RetryAttempt, isLast), cancellationToken);
        }
        catch (TransientJobException ex)
        {
            throw new JobExecutionException(ex.Message, ex);
        }
    }
}
