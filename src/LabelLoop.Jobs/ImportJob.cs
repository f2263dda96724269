using System.Globalization;
using LabelLoop.Jobs.Import;
using LabelLoop.Jobs.Training;
using Quartz;

namespace LabelLoop.Jobs;

/// <summary>Imports an uploaded file into a project. One durable job per project; each firing carries one job-run id.</summary>
public sealed class ImportJob(ImportRunner runner) : IJob
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
