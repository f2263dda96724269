using System.Security.Claims;
using System.Text.Encodings.Web;
using LabelLoop.Data.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace LabelLoop.Web.Accounts;

/// <summary>
/// Signs in API requests that carry <c>Authorization: Bearer llpat_...</c>. The principal holds the token's user,
/// the user's roles and the token's scopes; <see cref="ScopeAuthorizationHandler"/> checks the scopes.
/// </summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiTokenService tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    /// <summary>One claim per scope the token holds.</summary>
    public const string ScopeClaim = "scope";

    /// <summary>The token's id; its presence marks a token principal.</summary>
    public const string TokenIdClaim = "labelloop:token";

    /// <summary>True when the request carries a bearer token (of any shape).</summary>
    public static bool HasBearer(HttpRequest request) =>
        request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }
        var identity = await tokens.AuthenticateAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (identity is null)
        {
            return AuthenticateResult.Fail("The token is unknown, expired or revoked, or its account is disabled.");
        }
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, identity.UserId),
            new(ClaimTypes.Name, identity.Email),
            new(ClaimTypes.Email, identity.Email),
            new(TokenIdClaim, identity.TokenId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        claims.AddRange(identity.Roles.Select(r => new Claim(ClaimTypes.Role, r)));
        claims.AddRange(identity.Scopes.Select(s => new Claim(ScopeClaim, s)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = result.Failure is null
            ? "Bearer realm=\"labelloop\""
            : "Bearer realm=\"labelloop\", error=\"invalid_token\"";
    }
}
