namespace LabelLoop.Core.Projects;

/// <summary>
/// A project create or edit as a client sent it, with null for every field it left out. The one rule for absent
/// fields, shared by the REST API and the project form: on create the name and the kind are required (a
/// <see cref="DomainValidationException"/> naming each one missing) and every other field takes the default a new
/// project gets; on edit an absent field keeps the project's current value.
/// </summary>
/// <remarks>
/// A form post cannot tell "absent" from a default on its own: Blazor's form mapping sets a property that is not
/// in the post to <c>default</c> (null, 0), whatever the property's initialiser says, so form models carry
/// nullable fields and come through here.
/// </remarks>
public sealed record ProjectDraft(
    string? Name = null,
    ProjectKind? Kind = null,
    IReadOnlyList<LabelSpec>? Labels = null,
    string? Instructions = null,
    int? Overlap = null,
    bool? AllowHorizontalFlip = null,
    int? LeaseMinutes = null)
{
    /// <summary>The full input: absent fields from <paramref name="current"/> (an edit) or the defaults (a create, <paramref name="current"/> null).</summary>
    public ProjectInput ToInput(ProjectDetails? current = null)
    {
        var missing = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (current is null && Name is null)
        {
            missing["name"] = ["The name is required."];
        }
        if (current is null && Kind is null)
        {
            missing["kind"] = ["The kind is required: Image or Text."];
        }
        if (missing.Count > 0)
        {
            throw new DomainValidationException(missing);
        }
        var defaults = new ProjectInput("", Kind ?? current!.Kind, []);
        return new ProjectInput(
            Name ?? current!.Name,
            Kind ?? current!.Kind,
            Labels ?? current?.Labels ?? defaults.Labels,
            Instructions ?? current?.Instructions ?? defaults.Instructions,
            Overlap ?? current?.Overlap ?? defaults.Overlap,
            AllowHorizontalFlip ?? current?.AllowHorizontalFlip ?? defaults.AllowHorizontalFlip,
            LeaseMinutes ?? current?.LeaseMinutes ?? defaults.LeaseMinutes);
    }
}
