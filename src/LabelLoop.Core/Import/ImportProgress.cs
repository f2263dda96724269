namespace LabelLoop.Core.Import;

/// <summary>Progress of an import: files examined out of the total.</summary>
public sealed record ImportProgress(int Processed, int Total, string Stage);
