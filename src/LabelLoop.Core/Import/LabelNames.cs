namespace LabelLoop.Core.Import;

/// <summary>Validation of label names coming from folders, JSONL and CSV.</summary>
public static class LabelNames
{
    public const int MaxLength = 64;

    /// <summary>Returns the trimmed label, or an error message.</summary>
    public static (string? Label, string? Error) Check(string raw)
    {
        var label = raw.Trim();
        if (label.Length == 0)
        {
            return (null, "empty label");
        }
        if (label.Length > MaxLength)
        {
            return (null, $"label is longer than {MaxLength} characters");
        }
        if (label.Any(char.IsControl))
        {
            return (null, "label contains control characters");
        }
        return (label, null);
    }
}
