using System.Text.Json;

namespace LabelLoop.Core.Export;

/// <summary>
/// One JSON object per line, camelCase, ISO-8601 UTC times: id, externalId, the payload (<c>text</c>, or <c>blob</c>,
/// <c>mediaType</c> and <c>contentUrl</c>), status, finalLabel, every annotation, and the active model's prediction.
/// </summary>
public sealed class JsonlExportWriter(Stream output) : IExportWriter
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();
    private readonly Utf8JsonWriter _json = new(output, new JsonWriterOptions { SkipValidation = false });

    public string Format => "jsonl";

    public async Task WriteAsync(ExportRecord record, CancellationToken cancellationToken)
    {
        _json.Reset(output);
        _json.WriteStartObject();
        _json.WriteNumber("id", record.Id);
        _json.WriteString("externalId", record.ExternalId);
        if (record.Text is not null)
        {
            _json.WriteString("text", record.Text);
        }
        if (record.BlobHash is not null)
        {
            _json.WriteString("blob", record.BlobHash);
        }
        if (record.MediaType is not null)
        {
            _json.WriteString("mediaType", record.MediaType);
        }
        if (record.ContentUrl is not null)
        {
            _json.WriteString("contentUrl", record.ContentUrl);
        }
        _json.WriteString("status", record.Status);
        _json.WriteString("finalLabel", record.FinalLabel);
        _json.WriteStartArray("annotations");
        foreach (var a in record.Annotations)
        {
            _json.WriteStartObject();
            _json.WriteString("annotator", a.Annotator);
            _json.WriteString("label", a.Label);
            _json.WriteBoolean("skipped", a.Skipped);
            if (a.Reviewed)
            {
                _json.WriteBoolean("reviewed", true);
            }
            _json.WriteString("createdUtc", DateTime.SpecifyKind(a.CreatedUtc, DateTimeKind.Utc));
            _json.WriteNumber("leadTimeSeconds", Math.Round(a.LeadTimeSeconds, 3));
            _json.WriteEndObject();
        }
        _json.WriteEndArray();
        if (record.Prediction is { } p)
        {
            _json.WriteStartObject("prediction");
            _json.WriteNumber("modelVersion", p.ModelVersion);
            _json.WriteString("label", p.Label);
            _json.WriteNumber("score", p.Score);
            _json.WriteStartObject("probabilities");
            foreach (var (label, probability) in p.Probabilities)
            {
                _json.WriteNumber(label, probability);
            }
            _json.WriteEndObject();
            _json.WriteEndObject();
        }
        _json.WriteEndObject();
        await _json.FlushAsync(cancellationToken);
        await output.WriteAsync(NewLine, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _json.DisposeAsync();
        await output.FlushAsync();
    }
}
