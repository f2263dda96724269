namespace LabelLoop.Core.Items;

/// <summary>Where an item is in the labeling flow.</summary>
public enum ItemStatus
{
    /// <summary>In the pool, waiting to be served.</summary>
    Unlabeled,

    /// <summary>Has enough labels (the project's overlap) and a final label.</summary>
    Labeled,

    /// <summary>Every annotator who saw it skipped it.</summary>
    Skipped,

    /// <summary>Annotators disagreed or flagged it; a reviewer sets the final label.</summary>
    InReview,
}
