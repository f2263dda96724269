namespace LabelLoop.Data.Projects;

/// <summary>A project member as the API lists it: the account, its instance-wide role, and when it joined.</summary>
public sealed record ProjectMemberView(string UserId, string Email, string Role, DateTime AddedUtc);
