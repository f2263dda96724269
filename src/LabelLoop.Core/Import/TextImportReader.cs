using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace LabelLoop.Core.Import;

/// <summary>
/// Reads text items from JSONL (<c>{"id":..., "text":..., "label":...}</c>, label optional) or CSV with a header
/// naming <c>text</c> and optionally <c>label</c> and <c>id</c> (RFC 4180 quoting, multi-line fields).
/// Every problem is reported with file and line. A file may be at most <see cref="ImportLimits.MaxFileBytes"/> long;
/// records whose text repeats an earlier one are skipped and counted in <see cref="DuplicatesSkipped"/>.
/// </summary>
public sealed class TextImportReader(ImportLimits limits)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Records skipped so far because their text repeats an earlier record's (final once <see cref="Read"/> is enumerated).</summary>
    public int DuplicatesSkipped { get; private set; }

    public IEnumerable<ImportPayload> Read(IReadOnlyList<ImportEntry> entries, List<ImportError> errors)
    {
        var seenHashes = new HashSet<string>(StringComparer.Ordinal);
        var seenIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in entries.Where(e => !ImportPaths.IsIgnorable(e.RelativePath)))
        {
            var extension = Path.GetExtension(entry.RelativePath);
            if (!ImportPaths.TextExtensions.Contains(extension))
            {
                errors.Add(new ImportError(entry.RelativePath, $"unsupported file type '{(extension.Length == 0 ? "(none)" : extension)}'; expected .jsonl or .csv"));
                continue;
            }
            if (entry.Length > limits.MaxFileBytes)
            {
                errors.Add(new ImportError(entry.RelativePath, limits.TextFileTooLarge(entry.RelativePath, entry.Length)));
                continue;
            }
            string content;
            try
            {
                // The declared length can be missing or wrong (a stream, a zip entry): the limit holds on what is read.
                var bytes = BoundedRead.ReadAll(entry, limits.MaxFileBytes);
                using var reader = new StreamReader(new MemoryStream(bytes), StrictUtf8, detectEncodingFromByteOrderMarks: true);
                content = reader.ReadToEnd();
            }
            catch (BoundedRead.TooLongException)
            {
                errors.Add(new ImportError(entry.RelativePath, limits.TextFileTooLarge(entry.RelativePath, null)));
                continue;
            }
            catch (DecoderFallbackException ex)
            {
                errors.Add(new ImportError(entry.RelativePath, $"invalid UTF-8 at byte {ex.Index}"));
                continue;
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                errors.Add(new ImportError(entry.RelativePath, $"cannot be read: {ex.Message}"));
                continue;
            }
            var csv = extension.Equals(".csv", StringComparison.OrdinalIgnoreCase);
            var records = csv
                ? ParseCsv(entry.RelativePath, content, errors)
                : ParseJsonl(entry.RelativePath, content, errors);
            foreach (var (line, id, text, label) in records)
            {
                var source = $"{entry.RelativePath}:{line}";
                // Every value that is stored crosses the input rule here: PostgreSQL refuses a NUL in text, which
                // would fail the whole import at the database instead of naming the line.
                if (NulField(csv, (TextField, text), (IdField, id), (LabelField, label)) is { } nul)
                {
                    errors.Add(new ImportError(source, nul));
                    continue;
                }
                if (string.IsNullOrWhiteSpace(text))
                {
                    errors.Add(new ImportError(source, "empty text"));
                    continue;
                }
                if (text.Length > limits.MaxTextChars)
                {
                    errors.Add(new ImportError(source, $"text is {text.Length} characters, over the {limits.MaxTextChars}-character limit"));
                    continue;
                }
                string? checkedLabel = null;
                if (label is not null)
                {
                    (checkedLabel, var labelError) = LabelNames.Check(label);
                    if (labelError is not null)
                    {
                        errors.Add(new ImportError(source, labelError));
                        continue;
                    }
                }
                var externalId = id ?? source;
                if (externalId.Length > 256)
                {
                    errors.Add(new ImportError(source, "id is longer than 256 characters"));
                    continue;
                }
                if (!seenIds.Add(externalId))
                {
                    errors.Add(new ImportError(source, $"duplicate id '{externalId}'"));
                    continue;
                }
                var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
                if (!seenHashes.Add(hash))
                {
                    DuplicatesSkipped++;
                    continue;
                }
                yield return new ImportPayload(new ImportCandidate(externalId, hash, checkedLabel, text, null, 0, 0), null);
            }
        }
    }

    private const string TextField = "text";
    private const string IdField = "id";
    private const string LabelField = "label";

    /// <summary>The error for the first of <paramref name="fields"/> holding a NUL character, or null.</summary>
    private static string? NulField(bool csv, params (string Name, string? Value)[] fields) =>
        fields.Where(f => TextInput.HasNul(f.Value))
            .Select(f => $"{(csv ? "column" : "field")} \"{f.Name}\" contains the NUL character (U+0000), which cannot be stored")
            .FirstOrDefault();

    private static List<(int Line, string? Id, string? Text, string? Label)> ParseJsonl(string file, string content, List<ImportError> errors)
    {
        var records = new List<(int, string?, string?, string?)>();
        var lineNumber = 0;
        foreach (var rawLine in content.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            var source = $"{file}:{lineNumber}";
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                {
                    errors.Add(new ImportError(source, "line is not a JSON object"));
                    continue;
                }
                var root = doc.RootElement;
                if (!root.TryGetProperty("text", out var textElement) || textElement.ValueKind != JsonValueKind.String)
                {
                    errors.Add(new ImportError(source, "missing string field \"text\""));
                    continue;
                }
                string? id = null;
                if (root.TryGetProperty("id", out var idElement))
                {
                    id = idElement.ValueKind switch
                    {
                        JsonValueKind.String => idElement.GetString(),
                        JsonValueKind.Number => idElement.GetRawText(),
                        JsonValueKind.Null => null,
                        _ => throw new FormatException("field \"id\" must be a string or a number"),
                    };
                }
                string? label = null;
                if (root.TryGetProperty("label", out var labelElement))
                {
                    label = labelElement.ValueKind switch
                    {
                        JsonValueKind.String => labelElement.GetString(),
                        JsonValueKind.Null => null,
                        _ => throw new FormatException("field \"label\" must be a string or null"),
                    };
                }
                records.Add((lineNumber, id, textElement.GetString(), label));
            }
            catch (JsonException ex)
            {
                errors.Add(new ImportError(source, $"malformed JSON: {ex.Message}"));
            }
            catch (FormatException ex)
            {
                errors.Add(new ImportError(source, ex.Message));
            }
        }
        return records;
    }

    private static List<(int Line, string? Id, string? Text, string? Label)> ParseCsv(string file, string content, List<ImportError> errors)
    {
        var records = new List<(int, string?, string?, string?)>();
        var rows = CsvReader.ReadRows(content);
        if (rows.Count == 0)
        {
            errors.Add(new ImportError(file, "CSV file is empty (expected a header with a 'text' column)"));
            return records;
        }
        var header = rows[0];
        if (header.Error is not null)
        {
            errors.Add(new ImportError($"{file}:{header.Line}", header.Error));
            return records;
        }
        var columns = header.Fields.Select(f => f.Trim().ToLowerInvariant()).ToList();
        var textIndex = columns.IndexOf("text");
        var labelIndex = columns.IndexOf("label");
        var idIndex = columns.IndexOf("id");
        if (textIndex < 0)
        {
            errors.Add(new ImportError($"{file}:1", "CSV header has no 'text' column"));
            return records;
        }
        foreach (var row in rows.Skip(1))
        {
            var source = $"{file}:{row.Line}";
            if (row.Error is not null)
            {
                errors.Add(new ImportError(source, row.Error));
                continue;
            }
            if (row.Fields.Count == 1 && row.Fields[0].Length == 0)
            {
                continue;
            }
            if (row.Fields.Count != columns.Count)
            {
                errors.Add(new ImportError(source, $"expected {columns.Count} fields, found {row.Fields.Count}"));
                continue;
            }
            // Cells LabelLoop's CSV export guarded against formula injection come back as they were.
            var label = labelIndex >= 0 ? CsvFormulaGuard.Restore(row.Fields[labelIndex]) : null;
            // An empty CSV cell is the only way CSV says "no label"; a cell of blanks is a mistake.
            if (label is { Length: 0 })
            {
                label = null;
            }
            var id = idIndex >= 0 && row.Fields[idIndex].Length > 0 ? CsvFormulaGuard.Restore(row.Fields[idIndex]) : null;
            records.Add((row.Line, id, CsvFormulaGuard.Restore(row.Fields[textIndex]), label));
        }
        return records;
    }
}
