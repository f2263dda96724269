using LabelLoop.Core;

namespace LabelLoop.Data.Export;

/// <summary>Which items an export includes. The filters combine (AND); all annotations of a selected item are exported.</summary>
/// <param name="LabeledOnly">Only items with a final label.</param>
/// <param name="FinalLabel">Only items whose final label is this.</param>
/// <param name="SinceUtc">Only items with an annotation at or after this time.</param>
/// <param name="UntilUtc">Only items with an annotation before this time (with <paramref name="SinceUtc"/>: one annotation in the window).</param>
public sealed record ExportFilter(bool LabeledOnly = false, string? FinalLabel = null, DateTime? SinceUtc = null, DateTime? UntilUtc = null)
{
    /// <summary>Throws <see cref="DomainValidationException"/> for a filter that cannot select anything sensible.</summary>
    public ExportFilter Validated()
    {
        var errors = new Dictionary<string, string[]>();
        if (FinalLabel is { } label && (label.Trim().Length == 0 || label.Length > 100))
        {
            errors["label"] = ["A label is 1 to 100 characters."];
        }
        if (SinceUtc is { } since && UntilUtc is { } until && until <= since)
        {
            errors["until"] = ["'until' must be later than 'since'."];
        }
        if (errors.Count > 0)
        {
            throw new DomainValidationException(errors);
        }
        return this with
        {
            SinceUtc = SinceUtc is { } s ? DateTime.SpecifyKind(s.ToUniversalTime(), DateTimeKind.Utc) : null,
            UntilUtc = UntilUtc is { } u ? DateTime.SpecifyKind(u.ToUniversalTime(), DateTimeKind.Utc) : null,
        };
    }
}
