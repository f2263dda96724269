using System.Globalization;
using LabelLoop.Jobs.Training;
using Quartz;

namespace LabelLoop.Jobs;

/// <summary>
/// Trains a project's committee and switches its ranking to the result. Stored once per project
/// (<see cref="JobKeys.TrainAndScore"/>), non-concurrent and recoverable; each firing carries one job-run id.
/// </summary>
public sealed class TrainAndScoreJob(TrainingRunner runner) : IJob
{
    // Body stays small: all logic lives in TrainingRunner, which tests run without a scheduler.
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
            // A failed firing is what makes the scheduler apply the trigger's retry policy (exponential back-off).
            throw new JobExecutionException(ex.Message, ex);
        }
    }
}
