using System.Globalization;
using System.Text;

namespace LabelLoop.Core.Projects;

/// <summary>What is wrong with a name people read, if anything (see <see cref="VisibleText"/>).</summary>
public enum VisibleTextProblem
{
    None,

    /// <summary>Nothing at all, or only white space.</summary>
    Empty,

    /// <summary>Only white space and invisible characters (a lone zero-width joiner, a right-to-left override).</summary>
    NothingVisible,

    /// <summary>A control character (C0/C1, NUL included) anywhere.</summary>
    ControlCharacter,

    /// <summary>An invisible character between visible ones: a format character (Cf), a line or paragraph separator, a blank letter.</summary>
    InvisibleCharacter,

    /// <summary>An unpaired UTF-16 surrogate: not text at all.</summary>
    BrokenText,
}

/// <summary>The outcome of <see cref="VisibleText.Check"/>: the normalised text and its first problem.</summary>
/// <param name="Text">The text in NFC, trimmed of white space and invisible characters at both ends.</param>
/// <param name="Offender">The code point behind <see cref="VisibleTextProblem.ControlCharacter"/> or <see cref="VisibleTextProblem.InvisibleCharacter"/>.</param>
public readonly record struct VisibleTextCheck(string Text, VisibleTextProblem Problem, int Offender = 0)
{
    /// <summary>The offending code point as <c>U+200B</c>.</summary>
    public string OffenderName => string.Create(CultureInfo.InvariantCulture, $"U+{Offender:X4}");
}

/// <summary>
/// The rule for names people read and tell apart (project and label names). A name is normalised to Unicode NFC, so
/// that <c>é</c> and <c>e</c> + combining acute are one name, and trimmed of white space and invisible characters
/// at both ends. It is refused when nothing visible is left, or when it holds a control character, or an invisible
/// character between visible ones: a format character (category Cf: zero-width space and joiners, bidirectional
/// overrides and isolates, the byte-order mark, soft hyphen), a line or paragraph separator, or a letter that
/// renders blank (Hangul fillers, the blank Braille pattern). Such characters make two names that look the same
/// compare different, or make a name look like another.
/// </summary>
public static class VisibleText
{
    /// <summary>The normalised form of <paramref name="raw"/> (see <see cref="Check"/>), whether or not it is acceptable.</summary>
    public static string Normalize(string raw) => Check(raw).Text;

    /// <summary>Normalises <paramref name="raw"/> and reports its first problem.</summary>
    public static VisibleTextCheck Check(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        if (FirstUnpairedSurrogate(raw) is { } broken)
        {
            // string.Normalize refuses such strings; there is no text to normalise.
            return new VisibleTextCheck(raw.Trim(), VisibleTextProblem.BrokenText, broken);
        }
        var text = Trim(raw.Normalize(NormalizationForm.FormC));
        if (text.Length == 0)
        {
            // Blank as typed (spaces, tabs, line breaks) is empty; a separator or format character is something
            // someone put there that cannot be seen.
            var blank = raw.All(c => char.IsWhiteSpace(c) && char.GetUnicodeCategory(c) is not (UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator));
            return new VisibleTextCheck(text, blank ? VisibleTextProblem.Empty : VisibleTextProblem.NothingVisible);
        }
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.Control)
            {
                return new VisibleTextCheck(text, VisibleTextProblem.ControlCharacter, rune.Value);
            }
            if (IsInvisible(rune) && !IsSpace(rune))
            {
                return new VisibleTextCheck(text, VisibleTextProblem.InvisibleCharacter, rune.Value);
            }
        }
        return new VisibleTextCheck(text, VisibleTextProblem.None);
    }

    /// <summary>White space, format characters, line and paragraph separators, and letters that render blank.</summary>
    public static bool IsInvisible(Rune rune) =>
        Rune.IsWhiteSpace(rune)
        || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
        || rune.Value is 0x034F or 0x115F or 0x1160 or 0x3164 or 0xFFA0 or 0x2800;

    // Spaces between words are fine ("New York"); tabs and line breaks are control characters, refused above.
    private static bool IsSpace(Rune rune) => Rune.GetUnicodeCategory(rune) == UnicodeCategory.SpaceSeparator;

    private static string Trim(string text)
    {
        var start = 0;
        while (start < text.Length && Rune.DecodeFromUtf16(text.AsSpan(start), out var rune, out var used) == System.Buffers.OperationStatus.Done
            && IsInvisible(rune))
        {
            start += used;
        }
        var end = text.Length;
        while (end > start && Rune.DecodeLastFromUtf16(text.AsSpan(start, end - start), out var rune, out var used) == System.Buffers.OperationStatus.Done
            && IsInvisible(rune))
        {
            end -= used;
        }
        return text[start..end];
    }

    private static int? FirstUnpairedSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return text[i];
            }
        }
        return null;
    }
}
