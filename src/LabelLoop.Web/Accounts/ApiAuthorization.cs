using LabelLoop.Core.Accounts;
using Microsoft.AspNetCore.Authorization;

namespace LabelLoop.Web.Accounts;

/// <summary>A token scope an endpoint needs. A cookie session passes (its role decides); a token must hold the scope.</summary>
public sealed class ScopeRequirement(string scope) : IAuthorizationRequirement
{
    public string Scope { get; } = scope;
}

/// <summary>Checks <see cref="ScopeRequirement"/> against the scopes of a token principal.</summary>
public sealed class ScopeAuthorizationHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated != true)
        {
            return Task.CompletedTask;
        }
        if (!IsToken(user) || ApiScopes.Grants(user.FindAll(ApiTokenAuthenticationHandler.ScopeClaim).Select(c => c.Value), requirement.Scope))
        {
            context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }

    /// <summary>True when the principal signed in with a personal access token rather than the cookie.</summary>
    public static bool IsToken(System.Security.Claims.ClaimsPrincipal user) =>
        user.HasClaim(c => c.Type == ApiTokenAuthenticationHandler.TokenIdClaim);
}

/// <summary>Endpoint conventions for token scopes: <c>.RequireScope(ApiScopes.Read)</c>.</summary>
public static class ApiAuthorization
{
    /// <summary>The name of the policy that requires a signed-in caller whose token (if any) holds <paramref name="scope"/>.</summary>
    public static string PolicyFor(string scope) => $"scope:{scope}";

    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(PolicyFor(scope));

    internal static AuthorizationBuilder AddScopePolicies(this AuthorizationBuilder builder)
    {
        foreach (var scope in ApiScopes.All)
        {
            builder.AddPolicy(PolicyFor(scope), p => p.RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(scope)));
        }
        return builder;
    }
}
