namespace LabelLoop.Jobs.Training;

/// <summary>Which try of a job run this is: a transient failure on the last one fails the run instead of retrying.</summary>
/// <param name="HeartbeatTimeout">How long another node's run may be silent before this try takes it over
/// (<see cref="JobsOptions.RunHeartbeatTimeoutSeconds"/>); null for the default.</param>
public sealed record RunAttempt(int Number, bool IsLast, TimeSpan? HeartbeatTimeout = null)
{
    /// <summary>A single try with no retry after it (tests, the CLI).</summary>
    public static RunAttempt Only { get; } = new(0, true);
}

/// <summary>How a run ended, as the runner saw it.</summary>
public enum RunOutcome
{
    Succeeded,
    Failed,
    Cancelled,

    /// <summary>Nothing to do: the run was already finished or cancelled before it started.</summary>
    Skipped,
}

/// <summary>A transient failure (database, disk) on a try that is not the last: Hangfire retries it after a back-off.</summary>
public sealed class TransientJobException(string message, Exception inner) : Exception(message, inner);
