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
        var claims = http.RequestServices.GetRequiredService<IOptions<IdentityOptions>>().Value.ClaimsIdentity;
        var userId = context.Principal?.FindFirstValue(claims.UserIdClaimType);
        var stamp = context.Principal?.FindFirstValue(claims.SecurityStampClaimType);
        if (userId is not null && stamp is not null)
        {
            var contexts = http.RequestServices.GetRequiredService<IDbContextFactory<LabelLoopDbContext>>();
            await using var db = await contexts.CreateDbContextAsync(http.RequestAborted);
            var current = await db.Users.AsNoTracking()
                .Where(u => u.Id == userId)
                .Select(u => new { u.SecurityStamp, u.IsDisabled })
                .SingleOrDefaultAsync(http.RequestAborted);
            if (current is { IsDisabled: false } && string.Equals(current.SecurityStamp, stamp, StringComparison.Ordinal))
            {
                return;
            }
        }
        context.RejectPrincipal();
        await http.SignOutAsync(IdentityConstants.ApplicationScheme);
    }
}
