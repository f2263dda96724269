namespace LabelLoop.Core.Jobs;

/// <summary>Life cycle of a job run: Queued -> Running -> Succeeded | Failed | Cancelled.</summary>
public enum JobStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}
