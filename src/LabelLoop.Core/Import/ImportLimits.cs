using System.Globalization;

namespace LabelLoop.Core.Import;

/// <summary>Guards against oversized input. Bound from configuration section <c>Import</c>.</summary>
public sealed record ImportLimits
{
    /// <summary>Largest single image or text file (a JSONL or CSV file, also inside a zip), in bytes.</summary>
    public long MaxFileBytes { get; init; } = 20 * 1024 * 1024;

    /// <summary>Largest text of one item, in characters.</summary>
    public int MaxTextChars { get; init; } = 100_000;

    /// <summary>Largest image side, in pixels (decompression-bomb guard).</summary>
    public int MaxImageSide { get; init; } = 8192;

    /// <summary>Most items one import may add.</summary>
    public int MaxItems { get; init; } = 2_000_000;

    /// <summary>
    /// The problem with an upload named <paramref name="fileName"/> of <paramref name="bytes"/> bytes, checked before it
    /// is read: a JSONL or CSV file over <see cref="MaxFileBytes"/>; null when it may go on (the readers check again).
    /// </summary>
    public string? CheckUpload(string fileName, long bytes) =>
        ImportPaths.TextExtensions.Contains(Path.GetExtension(fileName)) && bytes > MaxFileBytes ? TextFileTooLarge(fileName, bytes) : null;

    /// <summary>The message for a JSONL or CSV file over <see cref="MaxFileBytes"/>; <paramref name="bytes"/> when known.</summary>
    public string TextFileTooLarge(string fileName, long? bytes) =>
        $"{Path.GetFileName(fileName)} is " +
        (bytes is { } b ? string.Create(CultureInfo.InvariantCulture, $"{b} bytes, over") : "over") +
        $" the {Describe(MaxFileBytes)} limit for a text file (Import:MaxFileBytes); split it into smaller files (a zip or a multipart upload may hold several).";

    /// <summary>A byte count as the docs state limits: <c>20 MiB</c>, or the bytes when not a whole number of MiB.</summary>
    public static string Describe(long bytes) =>
        bytes > 0 && bytes % (1024 * 1024) == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024 * 1024)} MiB")
            : string.Create(CultureInfo.InvariantCulture, $"{bytes}-byte");
}
