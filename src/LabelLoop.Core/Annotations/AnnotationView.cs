namespace LabelLoop.Core.Annotations;

/// <summary>An annotation as the API lists it.</summary>
/// <param name="Annotator">The annotator's e-mail address.</param>
/// <param name="Label">The label; null for a skip.</param>
/// <param name="IsReview">A reviewer's final decision rather than an annotator's answer.</param>
public sealed record AnnotationView(
    long Id,
    long ItemId,
    int ProjectId,
    string UserId,
    string Annotator,
    string? Label,
    bool WasSkipped,
    bool IsReview,
    string? Comment,
    double LeadTimeSeconds,
    long? ParentPredictionId,
    DateTime CreatedUtc);

/// <summary>Filters of an annotation list; null means any.</summary>
public sealed record AnnotationFilter(long? ItemId = null, string? UserId = null, string? Label = null, DateTime? SinceUtc = null);
