namespace LabelLoop.Core.Accounts;

/// <summary>
/// What a personal access token may do. The scopes are ordered, each granting the ones before it:
/// <c>read</c> &lt; <c>label</c> &lt; <c>write</c> &lt; <c>admin</c>. A token never grants more than its user's role.
/// </summary>
public static class ApiScopes
{
    /// <summary>List and read projects, items, predictions, model versions, jobs and exports.</summary>
    public const string Read = "read";

    /// <summary>Lease items and submit annotations.</summary>
    public const string Label = "label";

    /// <summary>Create and change projects, import items, start exports.</summary>
    public const string Write = "write";

    /// <summary>Everything the user's role allows: settings, training, members, tokens, webhooks.</summary>
    public const string Admin = "admin";

    /// <summary>Every scope, weakest first.</summary>
    public static IReadOnlyList<string> All { get; } = [Read, Label, Write, Admin];

    /// <summary>Parses a comma-separated list (<c>read,label</c>): known names only, at least one; returns them weakest first.</summary>
    public static IReadOnlyList<string> Parse(string? list)
    {
        var names = (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0)
        {
            throw new DomainValidationException("scopes", $"Name at least one scope: {string.Join(", ", All)}.");
        }
        var unknown = names.Where(n => !All.Contains(n, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
        {
            throw new DomainValidationException("scopes", $"Unknown scope(s) {string.Join(", ", unknown.Select(u => $"'{u}'"))}; known: {string.Join(", ", All)}.");
        }
        return [.. All.Where(s => names.Contains(s, StringComparer.Ordinal))];
    }

    /// <summary>True when any of <paramref name="held"/> is <paramref name="required"/> or a stronger scope.</summary>
    public static bool Grants(IEnumerable<string> held, string required)
    {
        ArgumentNullException.ThrowIfNull(held);
        var need = IndexOf(required);
        if (need < 0)
        {
            throw new ArgumentException($"Unknown scope '{required}'.", nameof(required));
        }
        return held.Any(h => IndexOf(h) >= need);
    }

    private static int IndexOf(string scope)
    {
        for (var i = 0; i < All.Count; i++)
        {
            if (string.Equals(All[i], scope, StringComparison.Ordinal))
            {
                return i;
            }
        }
        return -1;
    }
}
