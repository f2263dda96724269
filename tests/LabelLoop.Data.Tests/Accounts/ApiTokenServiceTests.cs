using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Data.Accounts;
using LabelLoop.Testing;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Data.Tests.Accounts;

public sealed class ApiTokenServiceTests(LabelLoopDataFixture fixture) : IClassFixture<LabelLoopDataFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private ApiTokenService Tokens => fixture.Get<ApiTokenService>();

    [Fact]
    public async Task A_created_token_authenticates_as_its_user_with_its_roles_and_scopes_and_stores_only_a_hash()
    {
        var userId = await fixture.CreateUserAsync(LabelLoopDataFixture.UniqueEmail("pipeline"), Roles.Reviewer);

        var created = await Tokens.CreateAsync(Caller.System, userId, "nightly export", [ApiScopes.Write, ApiScopes.Read], expiresDays: 7, Cancel);
        var identity = await Tokens.AuthenticateAsync(created.Secret, Cancel);

        Assert.NotNull(identity);
        Assert.Equal((userId, created.Token.Id), (identity.UserId, identity.TokenId));
        Assert.Equal([Roles.Reviewer], identity.Roles);
        Assert.Equal([ApiScopes.Read, ApiScopes.Write], identity.Scopes);
        await using var db = fixture.CreateContext();
        var row = await db.ApiTokens.SingleAsync(t => t.Id == created.Token.Id, Cancel);
        Assert.Equal(ApiTokenService.Hash(created.Secret), row.TokenHash);
        Assert.Equal(created.Secret[..12], row.Prefix);
        Assert.NotNull(row.LastUsedUtc);
        Assert.Equal(row.CreatedUtc.AddDays(7), row.ExpiresUtc);
    }

    [Fact]
    public async Task Unknown_malformed_revoked_and_expired_tokens_and_disabled_users_do_not_authenticate()
    {
        var userId = await fixture.CreateUserAsync(LabelLoopDataFixture.UniqueEmail("gone"));
        var revoked = await Tokens.CreateAsync(Caller.System, userId, "revoked", [ApiScopes.Read], null, Cancel);
        var expired = await Tokens.CreateAsync(Caller.System, userId, "expired", [ApiScopes.Read], 1, Cancel);
        var disabledUserId = await fixture.CreateUserAsync(LabelLoopDataFixture.UniqueEmail("disabled"));
        var ofDisabled = await Tokens.CreateAsync(Caller.System, disabledUserId, "of a disabled user", [ApiScopes.Read], null, Cancel);

        await Tokens.RevokeAsync(Caller.System, revoked.Token.Id, Cancel);
        await using (var db = fixture.CreateContext())
        {
            await db.ApiTokens.Where(t => t.Id == expired.Token.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresUtc, TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(-1)), Cancel);
            await db.Users.Where(u => u.Id == disabledUserId).ExecuteUpdateAsync(s => s.SetProperty(u => u.IsDisabled, true), Cancel);
        }

        Assert.Null(await Tokens.AuthenticateAsync(revoked.Secret, Cancel));
        Assert.Null(await Tokens.AuthenticateAsync(expired.Secret, Cancel));
        Assert.Null(await Tokens.AuthenticateAsync(ofDisabled.Secret, Cancel));
        Assert.Null(await Tokens.AuthenticateAsync(revoked.Secret + "x", Cancel));
        Assert.Null(await Tokens.AuthenticateAsync("not-a-token", Cancel));
        Assert.Null(await Tokens.AuthenticateAsync("", Cancel));
    }

    [Fact]
    public async Task Users_manage_only_their_own_tokens_and_admins_manage_all()
    {
        var alice = await fixture.CreateUserAsync(LabelLoopDataFixture.UniqueEmail("alice"));
        var bob = await fixture.CreateUserAsync(LabelLoopDataFixture.UniqueEmail("bob"));
        var asAlice = new Caller(alice, IsAdmin: false);
        var own = await Tokens.CreateAsync(asAlice, alice, "mine", [ApiScopes.Label], null, Cancel);
        var bobs = await Tokens.CreateAsync(Caller.System, bob, "bob's", [ApiScopes.Read], null, Cancel);

        await Assert.ThrowsAsync<AccessDeniedException>(() => Tokens.CreateAsync(asAlice, bob, "for bob", [ApiScopes.Read], null, Cancel));
        await Assert.ThrowsAsync<AccessDeniedException>(() => Tokens.ListAsync(asAlice, bob, Cancel));
        await Assert.ThrowsAsync<NotFoundException>(() => Tokens.RevokeAsync(asAlice, bobs.Token.Id, Cancel));
        Assert.Equal([own.Token.Id], (await Tokens.ListAsync(asAlice, null, Cancel)).Select(t => t.Id));
        Assert.Contains(bobs.Token.Id, (await Tokens.ListAsync(Caller.System, null, Cancel)).Select(t => t.Id));

        var revoked = await Tokens.RevokeAsync(asAlice, own.Token.Id, Cancel);
        var again = await Tokens.RevokeAsync(asAlice, own.Token.Id, Cancel);
        Assert.NotNull(revoked.RevokedUtc);
        Assert.Equal(revoked.RevokedUtc, again.RevokedUtc);
    }

    [Theory]
    [InlineData("", 1)]
    [InlineData("ok", 0)]
    [InlineData("ok", 4000)]
    public async Task Bad_names_and_expiries_are_rejected(string name, int expiresDays)
    {
        var userId = await fixture.CreateUserAsync(LabelLoopDataFixture.UniqueEmail("bad"));

        await Assert.ThrowsAsync<DomainValidationException>(() => Tokens.CreateAsync(Caller.System, userId, name, [ApiScopes.Read], expiresDays, Cancel));
    }
}
