using LabelLoop.Core.Items;

namespace LabelLoop.Core.Annotations;

/// <summary>An annotator's answer: a label, or a skip.</summary>
/// <param name="IdempotencyKey">Client key; a retry with the same key returns the first result.</param>
/// <param name="LeadTimeSeconds">Time spent on the item, measured by the client; null to use the lease time.</param>
public sealed record SubmitAnnotation(
    long ItemId,
    string? Label,
    bool Skip = false,
    string? Comment = null,
    string? IdempotencyKey = null,
    double? LeadTimeSeconds = null);

/// <summary>What a submit did.</summary>
/// <param name="Created">False when the submit repeated an earlier one (same key, or the same user and item).</param>
public sealed record SubmitResult(long AnnotationId, bool Created, ItemStatus ItemStatus);

/// <summary>The workspace's round trip: the stored answer, the caller's next items, and their progress.</summary>
public sealed record LabelAndNext(SubmitResult Submitted, IReadOnlyList<ServedItem> Next, AnnotatorProgress Progress);

/// <summary>An item in the review queue with every annotator's answer; the external id for admins only (<c>ExportProjection</c>).</summary>
public sealed record ReviewItem(long ItemId, string? ExternalId, string? Text, string? ContentUrl, IReadOnlyList<ReviewAnswer> Answers);

/// <summary>One annotator's answer in the review queue.</summary>
public sealed record ReviewAnswer(string Annotator, string? Label, DateTime CreatedUtc);

/// <summary>Counts the workspace shows an annotator.</summary>
public sealed record AnnotatorProgress(int LabeledToday, int LabeledTotal, int Remaining);
