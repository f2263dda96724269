namespace LabelLoop.Core.Import;

/// <summary>The files an import source offers, plus the entries it refused outright (unsafe paths).</summary>
public sealed record ImportListing(IReadOnlyList<ImportEntry> Entries, IReadOnlyList<ImportError> Errors);
