namespace LabelLoop.Core.Import;

/// <summary>Guards against oversized input. Bound from configuration section <c>Import</c>.</summary>
public sealed record ImportLimits
{
    /// <summary>Largest single image or text file, in bytes.</summary>
    public long MaxFileBytes { get; init; } = 20 * 1024 * 1024;

    /// <summary>Largest text of one item, in characters.</summary>
    public int MaxTextChars { get; init; } = 100_000;

    /// <summary>Largest image side, in pixels (decompression-bomb guard).</summary>
    public int MaxImageSide { get; init; } = 8192;

    /// <summary>Most items one import may add.</summary>
    public int MaxItems { get; init; } = 2_000_000;
}
