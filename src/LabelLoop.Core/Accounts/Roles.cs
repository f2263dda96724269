namespace LabelLoop.Core.Accounts;

/// <summary>The instance-wide roles. Admins manage everything; annotators label; reviewers also resolve disagreements.</summary>
public static class Roles
{
    public const string Admin = "admin";
    public const string Annotator = "annotator";
    public const string Reviewer = "reviewer";

    public static IReadOnlyList<string> All { get; } = [Admin, Annotator, Reviewer];

    public static bool IsKnown(string role) => All.Contains(role, StringComparer.Ordinal);
}
