using System.Globalization;
using System.Text;

namespace LabelLoop.Core.Export;

/// <summary>
/// Entry names of the ImageNet-style zip: <c>&lt;label&gt;/&lt;item id&gt;_&lt;file&gt;.&lt;ext&gt;</c>. Every name is
/// built from a safe alphabet, so no entry can escape its folder (no <c>/</c>, <c>\</c>, <c>..</c>, drive letters or
/// control characters), and distinct labels never share a folder, also on case-insensitive file systems.
/// </summary>
public sealed class ZipEntryNames
{
    private const int MaxSegment = 80;

    private readonly Dictionary<string, string> _folders = new(StringComparer.Ordinal);
    private readonly HashSet<string> _taken = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The folder of <paramref name="label"/>: the same every time, unique among the labels seen.</summary>
    public string FolderOf(string label)
    {
        if (_folders.TryGetValue(label, out var folder))
        {
            return folder;
        }
        var safe = Sanitize(label);
        if (safe.Length == 0 || safe.All(c => c == '.'))
        {
            safe = "label";
        }
        folder = safe;
        for (var n = 2; !_taken.Add(folder); n++)
        {
            folder = string.Create(CultureInfo.InvariantCulture, $"{safe}_{n}");
        }
        _folders[label] = folder;
        return folder;
    }

    /// <summary>
    /// The file name of an item: its id (unique within the export) and the last segment of its external id, with
    /// the extension of its media type.
    /// </summary>
    public static string FileName(long itemId, string? externalId, string? mediaType)
    {
        var last = (externalId ?? "").Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
        var stem = Sanitize(Path.GetFileNameWithoutExtension(last)).Trim('.');
        var extension = ExtensionOf(mediaType) ?? ExtensionOfName(last) ?? ".bin";
        var id = itemId.ToString(CultureInfo.InvariantCulture);
        return stem.Length == 0 ? id + extension : $"{id}_{stem}{extension}";
    }

    public static string? ExtensionOf(string? mediaType) => mediaType?.ToLowerInvariant() switch
    {
        "image/png" => ".png",
        "image/jpeg" => ".jpg",
        "image/gif" => ".gif",
        "image/bmp" => ".bmp",
        "image/webp" => ".webp",
        _ => null,
    };

    private static string? ExtensionOfName(string name)
    {
        var extension = Sanitize(Path.GetExtension(name)).ToLowerInvariant();
        return extension.Length is > 1 and <= 6 && extension[0] == '.' && extension.Skip(1).All(char.IsAsciiLetterOrDigit) ? extension : null;
    }

    /// <summary>ASCII letters, digits, <c>-</c>, <c>_</c> and <c>.</c> kept; anything else becomes <c>_</c>; at most 80 characters.</summary>
    public static string Sanitize(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, MaxSegment));
        foreach (var c in text)
        {
            if (builder.Length == MaxSegment)
            {
                break;
            }
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        }
        return builder.ToString();
    }
}
