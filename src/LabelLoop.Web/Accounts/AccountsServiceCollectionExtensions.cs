using LabelLoop.Core.Accounts;
using LabelLoop.Data.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;

namespace LabelLoop.Web.Accounts;

public static class AccountsServiceCollectionExtensions
{
    public const string AdminPolicy = "admin";

    /// <summary>The default scheme: see <see cref="SchemeFor"/>.</summary>
    public const string SelectorScheme = "LabelLoop";

    /// <summary>
    /// Cookie sign-in for pages, personal access tokens for the API; every endpoint requires a signed-in user
    /// unless it says otherwise. A token is honoured only under <c>/api</c>, so it never drives the pages' forms, and
    /// the cookie there only for reads. The cookie is checked against the account on every request.
    /// </summary>
    public static IHostApplicationBuilder AddLabelLoopAccounts(this IHostApplicationBuilder builder)
    {
        new IdentityBuilder(typeof(LabelLoopUser), typeof(IdentityRole), builder.Services).AddSignInManager();
        var authentication = builder.Services.AddAuthentication(SelectorScheme);
        authentication.AddPolicyScheme(SelectorScheme, "Cookie or bearer token", o => o.ForwardDefaultSelector = context => SchemeFor(context.Request));
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
            o.Events.OnValidatePrincipal = SessionStampValidator.ValidatePrincipalAsync;
            // The API gets status codes, pages get the login redirect; a wrong role is a 403
            // (rendered by the status page), never a redirect loop.
            o.Events.OnRedirectToLogin = context =>
            {
                if (IsApi(context.Request))
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
        builder.Services.Configure<SignInThrottleOptions>(builder.Configuration.GetSection(SignInThrottleOptions.Section));
        builder.Services.AddSingleton<SignInThrottle>();
        builder.Services.AddScoped<SignInService>();
        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(AdminPolicy, p => p.RequireRole(Roles.Admin).AddRequirements(new ScopeRequirement(ApiScopes.Admin)))
            .AddScopePolicies();
        builder.Services.AddCascadingAuthenticationState();
        return builder;
    }

    /// <summary>
    /// The scheme that authenticates <paramref name="request"/>. Pages use the cookie. Under <c>/api</c> a bearer token
    /// always wins, and the cookie counts only for GET and HEAD, which change nothing (the dashboard links the
    /// simulation files there): a POST, PUT, PATCH or DELETE needs a token, so a page on another site, or on another
    /// port of this host, cannot act through the API with a signed-in user's cookie.
    /// </summary>
    public static string SchemeFor(HttpRequest request)
    {
        if (!request.Path.StartsWithSegments("/api"))
        {
            return IdentityConstants.ApplicationScheme;
        }
        var read = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        return read && !ApiTokenAuthenticationHandler.HasBearer(request)
            ? IdentityConstants.ApplicationScheme
            : ApiTokenAuthenticationHandler.SchemeName;
    }

    private static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api");
}
