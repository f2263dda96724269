namespace LabelLoop.Core.Export;

/// <summary>Writes export records to a stream in one format. One instance per export; not thread-safe.</summary>
public interface IExportWriter : IAsyncDisposable
{
    /// <summary>The format name used on the command line and in the API (<c>jsonl</c>, <c>csv</c>).</summary>
    string Format { get; }

    Task WriteAsync(ExportRecord record, CancellationToken cancellationToken);
}
