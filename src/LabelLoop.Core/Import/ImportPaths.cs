namespace LabelLoop.Core.Import;

/// <summary>Path rules shared by every import source.</summary>
public static class ImportPaths
{
    public static readonly IReadOnlySet<string> ImageExtensions =
        new HashSet<string>([".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"], StringComparer.OrdinalIgnoreCase);

    public static readonly IReadOnlySet<string> TextExtensions =
        new HashSet<string>([".jsonl", ".ndjson", ".csv"], StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Returns the forward-slash form of <paramref name="path"/> if it stays inside its root, or null for an
    /// absolute path, a drive letter or a <c>..</c> segment (zip-slip).
    /// </summary>
    public static string? Normalize(string path)
    {
        var p = path.Replace('\\', '/');
        if (p.StartsWith('/') || (p.Length >= 2 && p[1] == ':'))
        {
            return null;
        }
        var segments = p.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Any(s => s == ".." || s.Contains('\0', StringComparison.Ordinal)))
        {
            return null;
        }
        return string.Join('/', segments.Where(s => s != "."));
    }

    /// <summary>Operating-system and archiver litter that an import skips silently.</summary>
    public static bool IsIgnorable(string normalizedPath)
    {
        var segments = normalizedPath.Split('/');
        var name = segments[^1];
        return segments.Any(s => s.StartsWith('.') || s == "__MACOSX")
            || name.Equals("Thumbs.db", StringComparison.OrdinalIgnoreCase)
            || name.Equals("desktop.ini", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".md", StringComparison.OrdinalIgnoreCase);
    }
}
