using LabelLoop.Core.Accounts;
using LabelLoop.Data.Accounts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;

namespace LabelLoop.Web.Accounts;

public static class AccountsServiceCollectionExtensions
{
    public const string AdminPolicy = "admin";

    /// <summary>Cookie sign-in for pages; every endpoint requires a signed-in user unless it says otherwise.</summary>
    public static IHostApplicationBuilder AddLabelLoopAccounts(this IHostApplicationBuilder builder)
    {
        new IdentityBuilder(typeof(LabelLoopUser), typeof(IdentityRole), builder.Services).AddSignInManager();
        builder.Services.AddAuthentication(IdentityConstants.ApplicationScheme).AddIdentityCookies();
        builder.Services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/login";
            o.Cookie.Name = "labelloop.auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.SlidingExpiration = true;
            o.ExpireTimeSpan = TimeSpan.FromDays(7);
            // APIs and htmx fragments get status codes, pages get the login redirect; a wrong role is a 403
            // (rendered by the status page), never a redirect loop.
            o.Events.OnRedirectToLogin = context =>
            {
                if (IsApiOrFragment(context.Request))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return Task.CompletedTask;
                }
                context.Response.Redirect(context.RedirectUri);
                return Task.CompletedTask;
            };
            o.Events.OnRedirectToAccessDenied = context =>
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
        });
        // A disabled account or a reset password changes the security stamp; sessions notice within a minute.
        builder.Services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(1));
        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(AdminPolicy, p => p.RequireRole(Roles.Admin));
        builder.Services.AddCascadingAuthenticationState();
        return builder;
    }

    private static bool IsApiOrFragment(HttpRequest request) =>
        request.Path.StartsWithSegments("/api") || request.Headers.ContainsKey("HX-Request");
}
