using System.Security.Claims;
using LabelLoop.Core.Accounts;

namespace LabelLoop.Web.Accounts;

public static class ClaimsPrincipalExtensions
{
    /// <summary>The caller as services see it. Throws when the principal is not signed in.</summary>
    public static Caller ToCaller(this ClaimsPrincipal user)
    {
        var id = user.FindFirstValue(ClaimTypes.NameIdentifier)
            ?? throw new InvalidOperationException("The request is not authenticated.");
        return new Caller(id, user.IsInRole(Roles.Admin), user.IsInRole(Roles.Reviewer));
    }
}
