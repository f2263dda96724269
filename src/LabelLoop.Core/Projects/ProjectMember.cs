namespace LabelLoop.Core.Projects;

/// <summary>Grants one user access to one project. Admins see every project without membership.</summary>
public sealed class ProjectMember
{
    public int ProjectId { get; set; }

    public required string UserId { get; set; }

    public DateTime AddedUtc { get; set; }
}
