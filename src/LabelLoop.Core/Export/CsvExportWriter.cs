using System.Globalization;
using System.Text;
using LabelLoop.Core.Import;

namespace LabelLoop.Core.Export;

/// <summary>
/// One flat row per item: id, external id, text, blob, status, final label, annotation count, the annotators'
/// labels joined with <c>|</c>, and the prediction's label, score and model version.
/// </summary>
public sealed class CsvExportWriter : IExportWriter
{
    private const string Header = "id,external_id,text,blob,status,final_label,annotation_count,annotator_labels,predicted_label,prediction_score,model_version";

    private readonly StreamWriter _writer;
    private bool _headerWritten;

    public CsvExportWriter(Stream output) => _writer = new StreamWriter(output, new UTF8Encoding(false), 65536) { NewLine = "\n" };

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
            record.ExternalId,
            record.Text ?? "",
            record.BlobHash ?? "",
            record.Status,
            record.FinalLabel ?? "",
            record.Annotations.Count.ToString(CultureInfo.InvariantCulture),
            labels,
            p?.Label ?? "",
            p?.Score.ToString("R", CultureInfo.InvariantCulture) ?? "",
            p?.ModelVersion.ToString(CultureInfo.InvariantCulture) ?? "",
        ];
        await _writer.WriteLineAsync(string.Join(',', fields.Select(CsvReader.Escape)).AsMemory(), cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_headerWritten)
        {
            await _writer.WriteLineAsync(Header);
        }
        await _writer.DisposeAsync();
    }
}
