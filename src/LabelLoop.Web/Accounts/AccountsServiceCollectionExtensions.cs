using LabelLoop.Core.Accounts;
using LabelLoop.Data.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;

namespace LabelLoop.Web.Accounts;

public static class AccountsServiceCollectionExtensions
{
    public const string AdminPolicy = "admin";

    /// <summary>The default scheme: a bearer token on <c>/api</c> paths, the cookie everywhere else.</summary>
    public const string SelectorScheme = "LabelLoop";

    /// <summary>
    /// Cookie sign-in for pages, personal access tokens for the API; every endpoint requires a signed-in user
    /// unless it says otherwise. A token is honoured only under <c>/api</c>, so it never drives the pages' forms.
    /// </summary>
    public static IHostApplicationBuilder AddLabelLoopAccounts(this IHostApplicationBuilder builder)
    {
        new IdentityBuilder(typeof(LabelLoopUser), typeof(IdentityRole), builder.Services).AddSignInManager();
        var authentication = builder.Services.AddAuthentication(SelectorScheme);
        authentication.AddPolicyScheme(SelectorScheme, "Cookie or bearer token", o => o.ForwardDefaultSelector = context =>
            context.Request.Path.StartsWithSegments("/api") && ApiTokenAuthenticationHandler.HasBearer(context.Request)
                ? ApiTokenAuthenticationHandler.SchemeName
                : IdentityConstants.ApplicationScheme);
        authentication.AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null);
        authentication.AddIdentityCookies();
        builder.Services.AddSingleton<IAuthorizationHandler, ScopeAuthorizationHandler>();
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
            .AddPolicy(AdminPolicy, p => p.RequireRole(Roles.Admin).AddRequirements(new ScopeRequirement(ApiScopes.Admin)))
            .AddScopePolicies();
        builder.Services.AddCascadingAuthenticationState();
        return builder;
    }

    private static bool IsApiOrFragment(HttpRequest request) =>
        request.Path.StartsWithSegments("/api") || request.Headers.ContainsKey("HX-Request");
}
