namespace LabelLoop.Core.Projects;

/// <summary>A label as the project form and API send it.</summary>
public sealed record LabelSpec(string Name, string? Hotkey = null, string? Color = null);

/// <summary>Everything a project create or edit carries.</summary>
public sealed record ProjectInput(
    string Name,
    ProjectKind Kind,
    IReadOnlyList<LabelSpec> Labels,
    string Instructions = "",
    int Overlap = 1,
    bool AllowHorizontalFlip = false,
    int LeaseMinutes = 10);

/// <summary>A project row in lists.</summary>
public sealed record ProjectSummary(int Id, string Name, ProjectKind Kind, int ItemCount, int LabeledCount, DateTime CreatedUtc);

/// <summary>Item counts by state.</summary>
public sealed record ProjectCounts(int Items, int Unlabeled, int Labeled, int Skipped, int InReview, int WithGroundTruth, int Annotations);

/// <summary>A project with its labels and counts.</summary>
public sealed record ProjectDetails(
    int Id,
    string Name,
    ProjectKind Kind,
    string Instructions,
    int Overlap,
    bool AllowHorizontalFlip,
    IReadOnlyList<LabelSpec> Labels,
    ProjectCounts Counts,
    DateTime CreatedUtc,
    int LeaseMinutes = 10);
