using System.Globalization;
using LabelLoop.Jobs.Training;
using Quartz;

namespace LabelLoop.Jobs;

/// <summary>
/// The Quartz side of every job of ours: reads the job-run id from the firing (job data carries ids only), tells
/// the runner whether this is the last try, and turns a transient failure into the failed firing that makes the
/// scheduler apply the trigger's retry policy (exponential back-off). All logic lives in the runners, which tests
/// call directly.
/// </summary>
public abstract class JobRunJob : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var runId = long.Parse((string)context.MergedJobDataMap[JobKeys.JobRunId]!, CultureInfo.InvariantCulture);
        var isLast = context.RetryPolicy is not { } policy || context.RetryAttempt >= policy.MaxAttempts;
        try
        {
            await RunAsync(runId, new RunAttempt(context.RetryAttempt, isLast), cancellationToken);
        }
        catch (TransientJobException ex)
        {
            throw new JobExecutionException(ex.Message, ex);
        }
    }

    /// <summary>Runs job run <paramref name="jobRunId"/>.</summary>
    protected abstract Task RunAsync(long jobRunId, RunAttempt attempt, CancellationToken cancellationToken);
}
