using Microsoft.AspNetCore.Identity;

namespace LabelLoop.Data.Accounts;

/// <summary>An account. Roles (admin, annotator, reviewer) are Identity roles.</summary>
public sealed class LabelLoopUser : IdentityUser
{
    public string DisplayName { get; set; } = "";

    public bool IsDisabled { get; set; }

    public DateTime CreatedUtc { get; set; }
}
