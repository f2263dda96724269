namespace LabelLoop.Core.Import;

/// <summary>One file offered for import, addressed by its path relative to the import root.</summary>
/// <param name="RelativePath">Forward-slash path inside the folder or zip.</param>
/// <param name="Length">Uncompressed size in bytes, as the source reports it.</param>
/// <param name="Open">Opens the content for reading; the caller disposes the stream.</param>
public sealed record ImportEntry(string RelativePath, long Length, Func<Stream> Open);
