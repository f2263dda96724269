using System.Text.Json.Serialization;

namespace LabelLoop.Core.Jobs;

/// <summary>A job run as pages and the API show it.</summary>
public sealed record JobRunView(
    long Id,
    int? ProjectId,
    [property: JsonConverter(typeof(JsonStringEnumConverter<JobKind>))] JobKind Kind,
    [property: JsonConverter(typeof(JsonStringEnumConverter<JobStatus>))] JobStatus Status,
    int Progress,
    string Message,
    string? Error,
    string? Node,
    DateTime CreatedUtc,
    DateTime? StartedUtc,
    DateTime? FinishedUtc,
    string? BackgroundJobId = null)
{
    [JsonIgnore]
    public bool IsFinished => Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled;

    public static JobRunView From(JobRun run) => new(run.Id, run.ProjectId, run.Kind, run.Status, run.Progress, run.Message,
        run.Error, run.Node, run.CreatedUtc, run.StartedUtc, run.FinishedUtc, run.BackgroundJobId);
}
