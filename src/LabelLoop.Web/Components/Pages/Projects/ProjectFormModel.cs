using LabelLoop.Core.Projects;

namespace LabelLoop.Web.Components.Pages.Projects;

/// <summary>
/// The create/edit form's fields; labels are one per line (<c>name | hotkey | #colour</c>). Fields are nullable, as a
/// cleared number box leaves them, and <see cref="ProjectDraft"/> decides what a missing value means (the default
/// for a new project, the stored value for an edit).
/// </summary>
public sealed class ProjectFormModel
{
    public string? Name { get; set; }

    public ProjectKind? Kind { get; set; }

    public string? LabelsText { get; set; }

    public string? Instructions { get; set; }

    public int? Overlap { get; set; }

    public bool AllowHorizontalFlip { get; set; }

    public int? LeaseMinutes { get; set; }

    /// <summary>What the form shows for a new project.</summary>
    public static ProjectFormModel ForNew()
    {
        var defaults = new ProjectInput("", ProjectKind.Image, []);
        return new()
        {
            Name = "",
            Kind = defaults.Kind,
            LabelsText = "",
            Instructions = defaults.Instructions,
            Overlap = defaults.Overlap,
            AllowHorizontalFlip = defaults.AllowHorizontalFlip,
            LeaseMinutes = defaults.LeaseMinutes,
        };
    }

    /// <summary>The fields as a draft: null where the form has no value.</summary>
    public ProjectDraft ToDraft() =>
        new(Name, Kind, LabelsText is null ? null : ProjectRules.ParseLabelLines(LabelsText), Instructions, Overlap, AllowHorizontalFlip, LeaseMinutes);

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
