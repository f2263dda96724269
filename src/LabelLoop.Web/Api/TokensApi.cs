using System.Security.Claims;
using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Data.Accounts;
using LabelLoop.Web.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LabelLoop.Web.Api;

/// <summary>
/// Personal access tokens under <c>/api/v1/tokens</c>: everyone manages their own; admins (the admin role, and the
/// admin scope when calling with a token) manage anyone's. A token never mints a token with more scope than it holds.
/// </summary>
public static class TokensApi
{
    /// <summary>The body of <c>POST /api/v1/tokens</c>. Without <c>userId</c> or <c>email</c> the token is the caller's own.</summary>
    /// <param name="ExpiresDays">1 to 3650 days; null for a token that does not expire.</param>
    public sealed record CreateTokenRequest(string Name, IReadOnlyList<string> Scopes, int? ExpiresDays = null, string? UserId = null, string? Email = null);

    public static IEndpointRouteBuilder MapTokensApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/tokens").WithTags("Tokens");
        api.MapGet("", ListAsync).RequireScope(ApiScopes.Read)
            .WithName("ListTokens")
            .WithSummary("The caller's tokens, newest first; admins may ask for one user's (`userId`) or everyone's (`all=true`).");
        api.MapPost("", CreateAsync).RequireScope(ApiScopes.Read)
            .WithName("CreateToken")
            .WithSummary("Creates a token; the response carries the secret, shown this once. Admins may create one for another account.");
        api.MapGet("/{tokenId:int}", GetAsync).RequireScope(ApiScopes.Read)
            .WithName("GetToken").WithSummary("One token (never its secret).");
        api.MapDelete("/{tokenId:int}", RevokeAsync).RequireScope(ApiScopes.Read)
            .WithName("RevokeToken").WithSummary("Revokes a token at once; revoking twice is harmless.");
        return app;
    }

    private static async Task<Ok<Page<ApiTokenView>>> ListAsync(
        HttpContext http, ApiTokenService tokens, string? userId, bool? all, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var caller = Caller(http.User);
        var target = all == true ? null : userId ?? caller.UserId;
        if (target != caller.UserId && !caller.IsAdmin)
        {
            throw new AccessDeniedException("Only admins (with the admin scope) list other accounts' tokens.");
        }
        var size = Paging.Limit(limit);
        var rows = await tokens.ListAsync(caller, target, Paging.After(cursor), Paging.Take(size), cancellationToken);
        return TypedResults.Ok(Paging.ToPage(rows, size, t => t.Id));
    }

    private static async Task<Created<CreatedApiToken>> CreateAsync(
        CreateTokenRequest request, HttpContext http, ApiTokenService tokens, UserService users, CancellationToken cancellationToken)
    {
        var caller = Caller(http.User);
        var requested = ApiScopes.Parse(string.Join(',', request.Scopes ?? []));
        if (ScopeAuthorizationHandler.IsToken(http.User))
        {
            var held = http.User.FindAll(ApiTokenAuthenticationHandler.ScopeClaim).Select(c => c.Value).ToList();
            var beyond = requested.Where(s => !ApiScopes.Grants(held, s)).ToList();
            if (beyond.Count > 0)
            {
                throw new AccessDeniedException($"This token cannot create a token with more scope than its own ({string.Join(", ", beyond)}).");
            }
        }
        var userId = request.UserId;
        if (string.IsNullOrWhiteSpace(userId))
        {
            userId = string.IsNullOrWhiteSpace(request.Email)
                ? caller.UserId
                : (await users.FindByEmailAsync(request.Email))?.Id ?? throw new NotFoundException($"No account has the e-mail address '{request.Email}'.");
        }
        var created = await tokens.CreateAsync(caller, userId, request.Name ?? "", requested, request.ExpiresDays, cancellationToken);
        return TypedResults.Created($"/api/v1/tokens/{created.Token.Id}", created);
    }

    private static async Task<Ok<ApiTokenView>> GetAsync(int tokenId, HttpContext http, ApiTokenService tokens, CancellationToken cancellationToken) =>
        TypedResults.Ok(await tokens.GetAsync(Caller(http.User), tokenId, cancellationToken));

    private static async Task<Ok<ApiTokenView>> RevokeAsync(int tokenId, HttpContext http, ApiTokenService tokens, CancellationToken cancellationToken) =>
        TypedResults.Ok(await tokens.RevokeAsync(Caller(http.User), tokenId, cancellationToken));

    /// <summary>The caller, as an admin only when the admin role is used with the cookie or an admin-scoped token.</summary>
    private static Caller Caller(ClaimsPrincipal user)
    {
        var caller = user.ToCaller();
        var adminScope = !ScopeAuthorizationHandler.IsToken(user)
            || ApiScopes.Grants(user.FindAll(ApiTokenAuthenticationHandler.ScopeClaim).Select(c => c.Value), ApiScopes.Admin);
        return caller with { IsAdmin = caller.IsAdmin && adminScope };
    }
}
