namespace LabelLoop.Core.Export;

/// <summary>
/// One export of a project run as a background job: what was asked for and, once the job succeeded, the file.
/// Status, progress and errors live on the job run (<see cref="JobRunId"/>).
/// </summary>
public sealed class ExportRun
{
    public const int MaxFinalLabelLength = 100;

    public long Id { get; set; }

    public int ProjectId { get; set; }

    /// <summary>The job run that writes the file.</summary>
    public long JobRunId { get; set; }

    /// <summary><c>jsonl</c>, <c>csv</c> or <c>zip</c>.</summary>
    public required string Format { get; set; }

    public bool LabeledOnly { get; set; }

    public string? FinalLabel { get; set; }

    public DateTime? SinceUtc { get; set; }

    public DateTime? UntilUtc { get; set; }

    public string? RequestedByUserId { get; set; }

    /// <summary>The finished file, relative to the exports folder; null until the export succeeded.</summary>
    public string? FileName { get; set; }

    public long? ItemCount { get; set; }

    public long? SizeBytes { get; set; }

    /// <summary>Lower-case hex SHA-256 of the file.</summary>
    public string? Sha256 { get; set; }

    public DateTime CreatedUtc { get; set; }

    public DateTime? CompletedUtc { get; set; }
}
