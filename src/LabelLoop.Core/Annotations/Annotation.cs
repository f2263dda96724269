namespace LabelLoop.Core.Annotations;

/// <summary>One annotator's answer for one item: a label, or a skip.</summary>
public sealed class Annotation
{
    public long Id { get; set; }

    public long ItemId { get; set; }

    /// <summary>Denormalised from the item so per-project queries need no join.</summary>
    public int ProjectId { get; set; }

    public required string UserId { get; set; }

    /// <summary>The chosen label name; null when <see cref="WasSkipped"/>.</summary>
    public string? Label { get; set; }

    public bool WasSkipped { get; set; }

    public string? Comment { get; set; }

    /// <summary>Set by a reviewer's decision: this annotation is the item's final truth.</summary>
    public bool IsGroundTruth { get; set; }

    /// <summary>Seconds between the item being served and the answer.</summary>
    public double LeadTimeSeconds { get; set; }

    /// <summary>The prediction shown as a suggestion when the item was served, if any.</summary>
    public long? ParentPredictionId { get; set; }

    /// <summary>The client's key for this submission; a retry with the same key returns the first result.</summary>
    public string? IdempotencyKey { get; set; }

    public DateTime CreatedUtc { get; set; }
}
