using System.Net;
using System.Text.Json;
using LabelLoop.Core.Accounts;
using LabelLoop.Testing;
using Xunit;

namespace LabelLoop.Web.Tests.Api;

public sealed class TokensApiTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private static readonly string[] ReadScope = [ApiScopes.Read];
    private static readonly string[] LabelScope = [ApiScopes.Label];
    private static readonly string[] AdminScope = [ApiScopes.Admin];
    private static readonly string[] UnknownScope = ["root"];

    private readonly ApiKit _kit = new(factory);

    [Fact]
    public async Task A_user_creates_lists_and_revokes_their_own_tokens()
    {
        var (userId, token) = await _kit.AccountAsync(Roles.Annotator, ApiScopes.Label);

        using var created = await _kit.SendAsync(HttpMethod.Post, "/api/v1/tokens", token, new { name = "pipeline", scopes = ReadScope, expiresDays = 30 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await ApiKit.JsonAsync(created);
        var secret = body.GetProperty("secret").GetString()!;
        var id = body.GetProperty("token").GetProperty("id").GetInt32();
        Assert.StartsWith("llpat_", secret, StringComparison.Ordinal);
        Assert.Equal($"/api/v1/tokens/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal(userId, body.GetProperty("token").GetProperty("userId").GetString());
        Assert.Equal(["read"], body.GetProperty("token").GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.EndsWith("Z", body.GetProperty("token").GetProperty("expiresUtc").GetString(), StringComparison.Ordinal);

        var listed = await _kit.AllIdsAsync("/api/v1/tokens", secret, limit: 1);
        Assert.Equal(2, listed.Count);
        Assert.Equal(id, listed[0]);
        var one = await _kit.GetJsonAsync($"/api/v1/tokens/{id}", token);
        Assert.False(one.TryGetProperty("secret", out _));
        Assert.NotEqual(JsonValueKind.Null, (await _kit.GetJsonAsync($"/api/v1/tokens/{id}", secret)).GetProperty("lastUsedUtc").ValueKind);

        using var revoked = await _kit.SendAsync(HttpMethod.Delete, $"/api/v1/tokens/{id}", token);
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.NotEqual(JsonValueKind.Null, (await ApiKit.JsonAsync(revoked)).GetProperty("revokedUtc").ValueKind);
        using var afterRevoke = await _kit.SendAsync(HttpMethod.Get, "/api/v1/tokens", secret);
        await ApiKit.ProblemAsync(afterRevoke, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_token_cannot_mint_more_scope_than_it_holds_and_bad_input_is_a_400()
    {
        var (_, token) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Label);

        using var wider = await _kit.SendAsync(HttpMethod.Post, "/api/v1/tokens", token, new { name = "wider", scopes = AdminScope });
        using var unknown = await _kit.SendAsync(HttpMethod.Post, "/api/v1/tokens", token, new { name = "odd", scopes = UnknownScope });
        using var noName = await _kit.SendAsync(HttpMethod.Post, "/api/v1/tokens", token, new { name = "", scopes = ReadScope });
        using var forever = await _kit.SendAsync(HttpMethod.Post, "/api/v1/tokens", token, new { name = "long", scopes = ReadScope, expiresDays = 100000 });
        using var anonymous = await _kit.SendAsync(HttpMethod.Post, "/api/v1/tokens", null, new { name = "x", scopes = ReadScope });

        await ApiKit.ProblemAsync(wider, HttpStatusCode.Forbidden);
        Assert.True((await ApiKit.ProblemAsync(unknown, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("scopes", out _));
        Assert.True((await ApiKit.ProblemAsync(noName, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("name", out _));
        Assert.True((await ApiKit.ProblemAsync(forever, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("expiresDays", out _));
        await ApiKit.ProblemAsync(anonymous, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Only_admins_with_the_admin_scope_manage_other_accounts_tokens()
    {
        var (adminId, adminToken) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Admin);
        var adminReadToken = await _kit.TokenAsync(adminId, ApiScopes.Read);
        var (userId, userToken) = await _kit.AccountAsync(Roles.Annotator, ApiScopes.Admin);
        var (_, otherToken) = await _kit.AccountAsync(Roles.Reviewer, ApiScopes.Admin);

        using var forUser = await _kit.SendAsync(HttpMethod.Post, "/api/v1/tokens", adminToken, new { name = "for you", scopes = LabelScope, userId });
        Assert.Equal(HttpStatusCode.Created, forUser.StatusCode);
        var id = (await ApiKit.JsonAsync(forUser)).GetProperty("token").GetProperty("id").GetInt32();
        var usersList = await _kit.GetJsonAsync($"/api/v1/tokens?userId={userId}", adminToken);
        Assert.Equal(2, usersList.GetProperty("items").GetArrayLength());
        var everyone = await _kit.GetJsonAsync("/api/v1/tokens?all=true&limit=500", adminToken);
        Assert.Contains(everyone.GetProperty("items").EnumerateArray(), t => t.GetProperty("id").GetInt32() == id);

        using var readAdminCreates = await _kit.SendAsync(HttpMethod.Post, "/api/v1/tokens", adminReadToken, new { name = "x", scopes = ReadScope, userId });
        using var readAdminLists = await _kit.SendAsync(HttpMethod.Get, "/api/v1/tokens?all=true", adminReadToken);
        using var readAdminRevokes = await _kit.SendAsync(HttpMethod.Delete, $"/api/v1/tokens/{id}", adminReadToken);
        using var userCreatesForAdmin = await _kit.SendAsync(HttpMethod.Post, "/api/v1/tokens", userToken, new { name = "x", scopes = ReadScope, userId = adminId });
        using var otherReads = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/tokens/{id}", otherToken);
        using var otherRevokes = await _kit.SendAsync(HttpMethod.Delete, $"/api/v1/tokens/{id}", otherToken);
        using var missing = await _kit.SendAsync(HttpMethod.Delete, "/api/v1/tokens/999999", adminToken);

        await ApiKit.ProblemAsync(readAdminCreates, HttpStatusCode.Forbidden);
        await ApiKit.ProblemAsync(readAdminLists, HttpStatusCode.Forbidden);
        await ApiKit.ProblemAsync(readAdminRevokes, HttpStatusCode.NotFound);
        await ApiKit.ProblemAsync(userCreatesForAdmin, HttpStatusCode.Forbidden);
        await ApiKit.ProblemAsync(otherReads, HttpStatusCode.NotFound);
        await ApiKit.ProblemAsync(otherRevokes, HttpStatusCode.NotFound);
        await ApiKit.ProblemAsync(missing, HttpStatusCode.NotFound);

        using var adminRevokes = await _kit.SendAsync(HttpMethod.Delete, $"/api/v1/tokens/{id}", adminToken);
        Assert.Equal(HttpStatusCode.OK, adminRevokes.StatusCode);
    }
}
