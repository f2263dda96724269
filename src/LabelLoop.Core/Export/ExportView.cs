namespace LabelLoop.Core.Export;

/// <summary>An export as the API shows it: the request, the job's state, and the file once it is ready.</summary>
/// <param name="Status">queued, running, succeeded, failed or cancelled.</param>
/// <param name="Progress">0-100.</param>
/// <param name="FileUrl">Where to download the file; null until <paramref name="Status"/> is succeeded.</param>
public sealed record ExportView(
    long Id,
    int ProjectId,
    long JobId,
    string Format,
    ExportFilterView Filter,
    string Status,
    int Progress,
    string Message,
    string? Error,
    long? ItemCount,
    long? SizeBytes,
    string? Sha256,
    string? FileUrl,
    DateTime CreatedUtc,
    DateTime? StartedUtc,
    DateTime? FinishedUtc);

/// <summary>The filters of an export, as asked for.</summary>
public sealed record ExportFilterView(bool LabeledOnly, string? Label, DateTime? Since, DateTime? Until);
