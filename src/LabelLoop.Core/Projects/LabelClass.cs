namespace LabelLoop.Core.Projects;

/// <summary>One label of a project's label set.</summary>
public sealed class LabelClass
{
    public const int MaxNameLength = 64;

    public int Id { get; set; }

    public int ProjectId { get; set; }

    /// <summary>The label value stored in annotations and exports; unique within the project.</summary>
    public required string Name { get; set; }

    /// <summary>Single keyboard key that applies the label in the workspace (unique within the project).</summary>
    public string? Hotkey { get; set; }

    /// <summary>CSS colour, <c>#rrggbb</c>.</summary>
    public string Color { get; set; } = "#6c757d";

    /// <summary>Display and model class order (0-based); the model's class index.</summary>
    public int Order { get; set; }
}
