using System.Globalization;
using System.Text;
using LabelLoop.Core.Import;

namespace LabelLoop.Core.Export;

/// <summary>
/// One flat row per item: id, external id, text, blob and content URL, status, final label, annotation count, the
/// annotators' labels joined with <c>|</c> (<c>email=label</c>), the last annotation's time, and the prediction's
/// label, score, probabilities (<c>label=p</c> joined with <c>|</c>) and model version. Text cells that a spreadsheet
/// would run as a formula get a leading single quote (<see cref="CsvFormulaGuard"/>).
/// </summary>
public sealed class CsvExportWriter : IExportWriter
{
    private const string Header = "id,external_id,text,blob,content_url,status,final_label,annotation_count,annotator_labels,last_annotated_utc,predicted_label,prediction_score,probabilities,model_version";

    private readonly StreamWriter _writer;
    private bool _headerWritten;

    // The output stays open: its owner may still need it (a hashing wrapper, a response body).
    public CsvExportWriter(Stream output) => _writer = new StreamWriter(output, new UTF8Encoding(false), 65536, leaveOpen: true) { NewLine = "\n" };

    public string Format => "csv";

    public async Task WriteAsync(ExportRecord record, CancellationToken cancellationToken)
    {
        if (!_headerWritten)
        {
            await _writer.WriteLineAsync(Header.AsMemory(), cancellationToken);
            _headerWritten = true;
        }
        var labels = string.Join('|', record.Annotations.Select(a => $"{a.Annotator}={(a.Skipped ? "(skipped)" : a.Label)}"));
        var p = record.Prediction;
        string[] fields =
        [
            record.Id.ToString(CultureInfo.InvariantCulture),
            Text(record.ExternalId ?? ""),
            Text(record.Text ?? ""),
            Text(record.BlobHash ?? ""),
            Text(record.ContentUrl ?? ""),
            Text(record.Status),
            Text(record.FinalLabel ?? ""),
            record.Annotations.Count.ToString(CultureInfo.InvariantCulture),
            Text(labels),
            record.Annotations.Count == 0 ? "" : record.Annotations.Max(a => a.CreatedUtc).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
            Text(p?.Label ?? ""),
            p?.Score.ToString("R", CultureInfo.InvariantCulture) ?? "",
            Text(p is null ? "" : string.Join('|', p.Probabilities.Select(x => $"{x.Key}={x.Value.ToString("R", CultureInfo.InvariantCulture)}"))),
            p?.ModelVersion.ToString(CultureInfo.InvariantCulture) ?? "",
        ];
        await _writer.WriteLineAsync(string.Join(',', fields).AsMemory(), cancellationToken);
    }

    // Text that came from people (texts, ids, labels, e-mails) is guarded against formula injection; the numbers
    // this writer formats itself stay numbers (a negative score must not turn into text).
    private static string Text(string value) =>
        CsvFormulaGuard.NeedsPrefix(value) ? CsvReader.Quote(CsvFormulaGuard.Neutralise(value)) : CsvReader.Escape(value);

    public async ValueTask DisposeAsync()
    {
        if (!_headerWritten)
        {
            await _writer.WriteLineAsync(Header);
        }
        await _writer.DisposeAsync();
    }
}
