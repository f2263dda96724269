using System.Globalization;
using LabelLoop.Jobs.Pretraining;
using LabelLoop.Jobs.Training;
using Quartz;

namespace LabelLoop.Jobs;

/// <summary>
/// Pretrains a project's encoder. Stored once per project (<see cref="JobKeys.Pretrain"/>), non-concurrent and
/// recoverable (a recovered run resumes from its last checkpoint); each firing carries one job-run id.
/// </summary>
public sealed class PretrainJob(PretrainRunner runner) : IJob
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
