using System.Buffers;

namespace LabelLoop.Core.Import;

/// <summary>
/// Keeps CSV cells from being run as spreadsheet formulas (CSV injection). Following OWASP's guidance, a cell that
/// starts with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab or a carriage return is written with a single quote in
/// front (and quoted), which spreadsheets show as text. The CSV import removes that quote again, so an export read
/// back by LabelLoop gives the original values.
/// </summary>
/// <remarks>
/// To keep the mapping exact, a value that already starts with single quotes followed by one of those characters gets
/// one more quote: <c>'=x</c> is written <c>''=x</c> and read back as <c>'=x</c>. A cell written by another tool that
/// starts with a quote and a formula character loses its first quote on import (see docs/exports-and-webhooks.md).
/// </remarks>
public static class CsvFormulaGuard
{
    // https://owasp.org/www-community/attacks/CSV_Injection
    private static readonly SearchValues<char> Triggers = SearchValues.Create("=+-@\t\r");

    /// <summary>True when <paramref name="value"/> needs the quote: it starts, after any single quotes, with a formula character.</summary>
    public static bool NeedsPrefix(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var rest = value.AsSpan().TrimStart('\'');
        return rest.Length > 0 && Triggers.Contains(rest[0]);
    }

    /// <summary>The value as a spreadsheet-safe cell text (before CSV quoting).</summary>
    public static string Neutralise(string value) => NeedsPrefix(value) ? "'" + value : value;

    /// <summary>The inverse of <see cref="Neutralise"/>: drops the quote it added.</summary>
    public static string Restore(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.StartsWith('\'') && NeedsPrefix(value) ? value[1..] : value;
    }
}
