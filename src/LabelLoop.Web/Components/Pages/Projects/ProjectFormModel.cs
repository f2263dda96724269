using LabelLoop.Core.Projects;

namespace LabelLoop.Web.Components.Pages.Projects;

/// <summary>The create/edit form's fields; labels are one per line (<c>name | hotkey | #colour</c>).</summary>
public sealed class ProjectFormModel
{
    public string Name { get; set; } = "";

    public ProjectKind Kind { get; set; } = ProjectKind.Image;

    public string LabelsText { get; set; } = "";

    public string Instructions { get; set; } = "";

    public int Overlap { get; set; } = 1;

    public bool AllowHorizontalFlip { get; set; }

    public int LeaseMinutes { get; set; } = 10;

    public ProjectInput ToInput() =>
        new(Name, Kind, ProjectRules.ParseLabelLines(LabelsText), Instructions, Overlap, AllowHorizontalFlip, LeaseMinutes);

    public static ProjectFormModel From(ProjectDetails p) => new()
    {
        Name = p.Name,
        Kind = p.Kind,
        LabelsText = ProjectRules.FormatLabelLines(p.Labels),
        Instructions = p.Instructions,
        Overlap = p.Overlap,
        AllowHorizontalFlip = p.AllowHorizontalFlip,
        LeaseMinutes = p.LeaseMinutes,
    };
}
