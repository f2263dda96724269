using LabelLoop.Core.Projects;

namespace LabelLoop.Core.Import;

/// <summary>Validation of label names coming from folders, JSONL and CSV.</summary>
public static class LabelNames
{
    public const int MaxLength = LabelClass.MaxNameLength;

    /// <summary>
    /// Returns the label in its stored form, or an error message: the same rule as the project form and the API
    /// (<see cref="ProjectRules.CheckLabelName"/>), so an import never adds a label that those would refuse.
    /// </summary>
    public static (string? Label, string? Error) Check(string raw) => ProjectRules.CheckLabelName(raw);
}
