namespace LabelLoop.Core;

/// <summary>
/// The rule every text input crosses at the boundary (HTTP bodies, query strings, route values, form fields, CLI
/// arguments): no NUL character (U+0000). PostgreSQL cannot store it in text at all, SQLite and C strings cut the
/// value at it, and no name, label or e-mail address needs it, so it is refused with a 400 (or exit code 1) naming
/// the field, whatever the database.
/// </summary>
public static class TextInput
{
    /// <summary>The error shown for a field holding a NUL character.</summary>
    public const string NulMessage = "Must not contain the NUL character (U+0000).";

    public static bool HasNul(string? value) => value is not null && value.Contains('\0', StringComparison.Ordinal);

    /// <summary>
    /// <paramref name="value"/> with each NUL written as <c>\u0000</c>: for text the application writes itself from
    /// what it was given (an exception's message, a receiver's answer), which must be stored rather than refused.
    /// </summary>
    public static string Storable(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return HasNul(value) ? value.Replace("\0", "\\u0000", StringComparison.Ordinal) : value;
    }

    /// <summary>A field name fit to show: control characters (a NUL in a key, say) as <c>\u0000</c>.</summary>
    public static string Printable(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Any(char.IsControl)
            ? string.Concat(name.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()))
            : name;
    }
}
