namespace LabelLoop.Data.Export;

/// <summary>Which items an export includes.</summary>
/// <param name="LabeledOnly">Only items with a final label.</param>
/// <param name="FinalLabel">Only items whose final label is this.</param>
/// <param name="SinceUtc">Only items with an annotation at or after this time.</param>
public sealed record ExportFilter(bool LabeledOnly = false, string? FinalLabel = null, DateTime? SinceUtc = null);
