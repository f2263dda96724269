using System.Text;

namespace LabelLoop.Core.Import;

/// <summary>A small RFC 4180 reader: quoted fields, doubled quotes, CR/LF inside quotes.</summary>
public static class CsvReader
{
    /// <summary>One parsed row; <see cref="Line"/> is where the row starts (1-based).</summary>
    public sealed record Row(int Line, IReadOnlyList<string> Fields, string? Error);

    public static List<Row> ReadRows(string content)
    {
        var rows = new List<Row>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var line = 1;
        var rowStart = 1;
        var inQuotes = false;
        var quotedField = false;
        string? error = null;
        for (var i = 0; i < content.Length; i++)
        {
            var c = content[i];
            if (inQuotes)
            {
                if (c == '"')
                {
                    if (i + 1 < content.Length && content[i + 1] == '"')
                    {
                        field.Append('"');
                        i++;
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }
                else
                {
                    if (c == '\n')
                    {
                        line++;
                    }
                    field.Append(c);
                }
                continue;
            }
            switch (c)
            {
                case '"' when field.Length == 0 && !quotedField:
                    inQuotes = true;
                    quotedField = true;
                    break;
                case '"':
                    error ??= "stray quote inside an unquoted field";
                    field.Append(c);
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    quotedField = false;
                    break;
                case '\r':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    rows.Add(new Row(rowStart, fields, error));
                    fields = [];
                    field.Clear();
                    quotedField = false;
                    error = null;
                    line++;
                    rowStart = line;
                    break;
                default:
                    if (quotedField)
                    {
                        error ??= "text after a closing quote";
                    }
                    field.Append(c);
                    break;
            }
        }
        if (inQuotes)
        {
            fields.Add(field.ToString());
            rows.Add(new Row(rowStart, fields, "unterminated quoted field"));
        }
        else if (field.Length > 0 || fields.Count > 0 || quotedField)
        {
            fields.Add(field.ToString());
            rows.Add(new Row(rowStart, fields, error));
        }
        return rows;
    }

    /// <summary>Quotes a field when it holds a comma, quote or line break.</summary>
    public static string Escape(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? Quote(value) : value;

    /// <summary>The field in double quotes, its quotes doubled.</summary>
    public static string Quote(string value) => "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
