namespace LabelLoop.Core.Accounts;

/// <summary>Who is asking: passed to every service call that must check access.</summary>
public sealed record Caller(string UserId, bool IsAdmin, bool IsReviewer = false)
{
    /// <summary>The instance itself (CLI, seeding, jobs): may do everything.</summary>
    public static Caller System { get; } = new("system", IsAdmin: true);
}
