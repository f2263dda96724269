using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LabelLoop.Web.Input;

/// <summary>
/// Finds the strings of a JSON document that hold a NUL character, by their JSON path (<c>$.labels[0].name</c>),
/// without binding the document to any type. Escaped NULs (<c>\u0000</c>) are the only way to send one: a raw NUL
/// byte makes the document malformed, which the binder reports.
/// </summary>
internal static class JsonNulScanner
{
    private sealed class Frame(bool isArray)
    {
        public bool IsArray { get; } = isArray;

        public int Index { get; set; } = -1;

        public string? Property { get; set; }
    }

    /// <summary>The paths of the strings and property names with a NUL; stops quietly where the document is malformed.</summary>
    public static List<string> Scan(ReadOnlySpan<byte> json)
    {
        var found = new List<string>();
        var frames = new List<Frame>();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        var name = reader.GetString();
                        frames[^1].Property = name;
                        if (reader.ValueIsEscaped && Core.TextInput.HasNul(name))
                        {
                            found.Add(Path(frames));
                        }
                        break;
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        NextElement(frames);
                        frames.Add(new Frame(reader.TokenType == JsonTokenType.StartArray));
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        frames.RemoveAt(frames.Count - 1);
                        break;
                    case JsonTokenType.String:
                        NextElement(frames);
                        if (reader.ValueIsEscaped && Core.TextInput.HasNul(reader.GetString()))
                        {
                            found.Add(Path(frames));
                        }
                        break;
                    default:
                        NextElement(frames);
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // Malformed: what was found so far stands; the binder names the syntax error.
        }
        return found;
    }

    /// <summary>A JSON path as an error key: <c>labels[0].name</c>, or <c>$</c> for the document itself.</summary>
    public static string FieldName(string path) => path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;

    private static void NextElement(List<Frame> frames)
    {
        if (frames.Count > 0 && frames[^1].IsArray)
        {
            frames[^1].Index++;
        }
    }

    private static string Path(List<Frame> frames)
    {
        var path = new StringBuilder("$");
        foreach (var frame in frames)
        {
            if (frame.IsArray)
            {
                path.Append(CultureInfo.InvariantCulture, $"[{Math.Max(0, frame.Index)}]");
            }
            else if (frame.Property is { } property)
            {
                if (property.Length > 0 && property.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                {
                    path.Append('.').Append(property);
                }
                else
                {
                    path.Append("['").Append(Core.TextInput.Printable(property).Replace("'", "\\'", StringComparison.Ordinal)).Append("']");
                }
            }
        }
        return path.ToString();
    }
}
