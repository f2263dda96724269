namespace LabelLoop.Core.Projects;

/// <summary>A labeling project: one pool of items, one label set, one active-learning loop.</summary>
/// <remarks>
/// Counters (<see cref="ItemCount"/>, <see cref="LabeledCount"/>) change only inside the service methods
/// that cause them, in the same <c>SaveChanges</c>.
/// </remarks>
public sealed class Project
{
    public const int MaxNameLength = 100;

    public int Id { get; set; }

    /// <summary>Unique, human-readable name; the CLI addresses projects by it.</summary>
    public required string Name { get; set; }

    public ProjectKind Kind { get; set; }

    /// <summary>Guidelines shown to annotators beside every item (plain text, encoded on output).</summary>
    public string Instructions { get; set; } = "";

    /// <summary>How many distinct annotators label each item (1 = no overlap).</summary>
    public int Overlap { get; set; } = 1;

    /// <summary>Whether horizontal flips are a valid augmentation (false for digits, text in images...).</summary>
    public bool AllowHorizontalFlip { get; set; } = true;

    /// <summary>How long a served item stays reserved for its annotator.</summary>
    public int LeaseMinutes { get; set; } = 10;

    public int ItemCount { get; set; }

    public int LabeledCount { get; set; }

    public DateTime CreatedUtc { get; set; }

    public DateTime UpdatedUtc { get; set; }

    public List<LabelClass> Labels { get; set; } = [];

    public List<ProjectMember> Members { get; set; } = [];
}
