namespace LabelLoop.Core.Jobs;

/// <summary>Our own record of one background job: what the UI and API read (Hangfire's tables are its own).</summary>
public sealed class JobRun
{
    public long Id { get; set; }

    /// <summary>Null for instance-wide jobs.</summary>
    public int? ProjectId { get; set; }

    public JobKind Kind { get; set; }

    public JobStatus Status { get; set; }

    /// <summary>0-100.</summary>
    public int Progress { get; set; }

    /// <summary>Short human-readable progress line ("epoch 3/10, loss 0.41").</summary>
    public string Message { get; set; } = "";

    /// <summary>Error text of a failed run, shown as is.</summary>
    public string? Error { get; set; }

    /// <summary>Which process ran it (host name and process id).</summary>
    public string? Node { get; set; }

    /// <summary>Job input as JSON: ids only.</summary>
    public string ParametersJson { get; set; } = "{}";

    public string? RequestedByUserId { get; set; }

    public DateTime CreatedUtc { get; set; }

    public DateTime? StartedUtc { get; set; }

    public DateTime? FinishedUtc { get; set; }

    /// <summary>
    /// When the node running it last said it was alive. A Running row whose heartbeat is older than
    /// <c>Jobs:RunHeartbeatTimeoutSeconds</c> belongs to a dead node: another may take it over. A fresh one is never
    /// started twice.
    /// </summary>
    public DateTime? HeartbeatUtc { get; set; }

    /// <summary>The Hangfire job that runs it (the latest, when it was queued again): the link to <c>/admin/jobs</c>.</summary>
    public string? BackgroundJobId { get; set; }
}
