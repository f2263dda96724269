namespace LabelLoop.Core.Projects;

/// <summary>Validation of project input, shared by the pages, the API and the CLI.</summary>
public static class ProjectRules
{
    public const int MaxOverlap = 10;
    public const int MaxLabels = 200;

    /// <summary>Keys the workspace reserves: S skips, U undoes, ? shows help.</summary>
    public static readonly IReadOnlySet<string> ReservedHotkeys = new HashSet<string>(["s", "u", "?"], StringComparer.OrdinalIgnoreCase);

    private static readonly string[] Palette =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    public static string DefaultColor(int order) => Palette[order % Palette.Length];

    /// <summary>Returns field errors (empty when valid).</summary>
    public static Dictionary<string, string[]> Validate(ProjectInput input)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }
            list.Add(message);
        }

        var name = VisibleText.Check(input.Name);
        if (name.Problem != VisibleTextProblem.None)
        {
            Add("name", name.Problem switch
            {
                VisibleTextProblem.Empty => "Name is required.",
                VisibleTextProblem.NothingVisible => "Name has nothing visible: only white space or invisible characters.",
                VisibleTextProblem.ControlCharacter => "Name must not contain control characters.",
                VisibleTextProblem.InvisibleCharacter => $"Name must not contain the invisible character {name.OffenderName}.",
                _ => "Name is not valid Unicode text.",
            });
        }
        else if (name.Text.Length > Project.MaxNameLength)
        {
            Add("name", $"Name must be at most {Project.MaxNameLength} characters.");
        }
        if (input.Overlap is < 1 or > MaxOverlap)
        {
            Add("overlap", $"Overlap must be between 1 and {MaxOverlap}.");
        }
        if (input.LeaseMinutes is < 1 or > 24 * 60)
        {
            Add("leaseMinutes", "The lease must be between 1 minute and 24 hours.");
        }
        if (input.Labels.Count > MaxLabels)
        {
            Add("labels", $"A project has at most {MaxLabels} labels.");
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var label in input.Labels)
        {
            var (checkedName, error) = CheckLabelName(label.Name);
            if (error is not null)
            {
                Add("labels", $"Label '{label.Name}': {error}.");
                continue;
            }
            if (!names.Add(checkedName!))
            {
                Add("labels", $"Label '{checkedName}' appears twice.");
            }
            if (!string.IsNullOrEmpty(label.Hotkey))
            {
                if (label.Hotkey.Length != 1 || !char.IsLetterOrDigit(label.Hotkey[0]))
                {
                    Add("labels", $"Hotkey of '{checkedName}' must be one letter or digit.");
                }
                else if (ReservedHotkeys.Contains(label.Hotkey))
                {
                    Add("labels", $"Hotkey '{label.Hotkey}' of '{checkedName}' is reserved (S skips, U undoes).");
                }
                else if (!keys.Add(label.Hotkey))
                {
                    Add("labels", $"Hotkey '{label.Hotkey}' is used twice.");
                }
            }
            if (label.Color is { Length: > 0 } color && !IsHexColor(color))
            {
                Add("labels", $"Colour of '{checkedName}' must look like #1f77b4.");
            }
        }
        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }

    /// <summary>
    /// The one rule for label names, whether they come from the project form, the API or an import: the name in
    /// <see cref="VisibleText"/> form (NFC, trimmed of white space and invisible characters), or why it is refused.
    /// Two names are the same label when their normalised forms are equal.
    /// </summary>
    public static (string? Name, string? Error) CheckLabelName(string raw)
    {
        var check = VisibleText.Check(raw ?? "");
        var error = check.Problem switch
        {
            VisibleTextProblem.None when check.Text.Length > LabelClass.MaxNameLength => $"label is longer than {LabelClass.MaxNameLength} characters",
            VisibleTextProblem.None => null,
            VisibleTextProblem.Empty => "empty label",
            VisibleTextProblem.NothingVisible => "label has nothing visible (only white space or invisible characters)",
            VisibleTextProblem.ControlCharacter => "label contains control characters",
            VisibleTextProblem.InvisibleCharacter => $"label contains the invisible character {check.OffenderName}",
            _ => "label is not valid Unicode text",
        };
        return error is null ? (check.Text, null) : (null, error);
    }

    /// <summary>A project name as it is stored and looked up (see <see cref="VisibleText"/>).</summary>
    public static string NormalizeName(string name) => VisibleText.Normalize(name ?? "");

    /// <summary>
    /// The input with its project and label names in their stored form; validate it with <see cref="Validate"/>. A
    /// name the rule refuses is left as it came, so that the error describes what was sent.
    /// </summary>
    public static ProjectInput Normalize(ProjectInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var name = VisibleText.Check(input.Name ?? "");
        return input with
        {
            Name = name.Problem == VisibleTextProblem.None ? name.Text : input.Name ?? "",
            Labels = [.. input.Labels.Select(l => CheckLabelName(l.Name) is (string stored, null) ? l with { Name = stored } : l)],
        };
    }

    /// <summary>Parses the form's label text: one label per line, optionally <c>name | hotkey | #colour</c>.</summary>
    public static List<LabelSpec> ParseLabelLines(string text) =>
        text.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0)
            .Select(l =>
            {
                var parts = l.Split('|').Select(p => p.Trim()).ToArray();
                return new LabelSpec(parts[0], parts.Length > 1 && parts[1].Length > 0 ? parts[1] : null, parts.Length > 2 && parts[2].Length > 0 ? parts[2] : null);
            })
            .ToList();

    /// <summary>The inverse of <see cref="ParseLabelLines"/>.</summary>
    public static string FormatLabelLines(IEnumerable<LabelSpec> labels) =>
        string.Join('\n', labels.Select(l => l.Hotkey is null && l.Color is null ? l.Name : $"{l.Name} | {l.Hotkey} | {l.Color}"));

    private static bool IsHexColor(string color) =>
        color.Length == 7 && color[0] == '#' && color.Skip(1).All(char.IsAsciiHexDigit);
}
