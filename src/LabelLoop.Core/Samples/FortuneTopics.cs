using System.Text.RegularExpressions;

namespace LabelLoop.Core.Samples;

/// <summary>
/// Builds the <c>fortune-topics</c> text sample from Debian's <c>fortunes</c> files: each quote labelled by
/// the file it comes from.
/// </summary>
public static partial class FortuneTopics
{
    public const string DefaultDirectory = "/usr/share/games/fortunes";

    public static IReadOnlyList<string> Topics { get; } =
        ["computers", "science", "politics", "food", "sports", "love", "law", "medicine"];

    /// <summary>One quote.</summary>
    public sealed record Quote(string Id, string Text, string Label);

    /// <summary>Quotes of at most <paramref name="maxChars"/> characters, whitespace collapsed, in file order.</summary>
    public static IEnumerable<Quote> Read(string directory, int maxChars = 600)
    {
        foreach (var topic in Topics)
        {
            var path = Path.Combine(directory, topic);
            var index = 0;
            foreach (var raw in File.ReadAllText(path).Split("\n%\n"))
            {
                var text = Whitespace().Replace(raw, " ").Trim().TrimEnd('%').Trim();
                index++;
                if (text.Length is < 20 || text.Length > maxChars)
                {
                    continue;
                }
                yield return new Quote($"{topic}-{index:D4}", text, topic);
            }
        }
    }

    public static bool IsAvailable(string directory) => Topics.All(t => File.Exists(Path.Combine(directory, t)));

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
