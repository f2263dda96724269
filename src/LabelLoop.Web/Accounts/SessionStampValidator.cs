using System.Security.Claims;
using LabelLoop.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LabelLoop.Web.Accounts;

/// <summary>
/// Checks the sign-in cookie against the account on every request: the security stamp in the cookie must still be the
/// account's, and the account must not be disabled. Logging out, a password reset, a role change and disabling the
/// account all change the stamp, so every cookie issued before them stops working at once, a copied one included.
/// One primary-key read per request; Identity's <see cref="SecurityStampValidator"/> would also rebuild the principal
/// and re-issue the cookie whenever it checks.
/// </summary>
public static class SessionStampValidator
{
    public static async Task ValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        var http = context.HttpContext;
        if (await IsCurrentAsync(http.RequestServices, context.Principal, http.RequestAborted))
        {
            return;
        }
        context.RejectPrincipal();
        await http.SignOutAsync(IdentityConstants.ApplicationScheme);
    }

    /// <summary>Whether the principal's account exists, is not disabled and still has the stamp the principal carries.</summary>
    public static async Task<bool> IsCurrentAsync(IServiceProvider services, ClaimsPrincipal? principal, CancellationToken cancellationToken)
    {
        var claims = services.GetRequiredService<IOptions<IdentityOptions>>().Value.ClaimsIdentity;
        var userId = principal?.FindFirstValue(claims.UserIdClaimType);
        var stamp = principal?.FindFirstValue(claims.SecurityStampClaimType);
        if (userId is null || stamp is null)
        {
            return false;
        }
        var contexts = services.GetRequiredService<IDbContextFactory<LabelLoopDbContext>>();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var current = await db.Users.AsNoTracking()
            .Where(u => u.Id == userId)
            .Select(u => new { u.SecurityStamp, u.IsDisabled })
            .SingleOrDefaultAsync(cancellationToken);
        return current is { IsDisabled: false } && string.Equals(current.SecurityStamp, stamp, StringComparison.Ordinal);
    }
}
