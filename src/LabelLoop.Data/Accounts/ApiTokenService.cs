using System.Security.Cryptography;
using System.Text;
using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using Microsoft.EntityFrameworkCore;

namespace LabelLoop.Data.Accounts;

/// <summary>A token as lists show it: never the secret.</summary>
public sealed record ApiTokenView(
    int Id,
    string UserId,
    string UserEmail,
    string Name,
    string Prefix,
    IReadOnlyList<string> Scopes,
    DateTime CreatedUtc,
    DateTime? ExpiresUtc,
    DateTime? LastUsedUtc,
    DateTime? RevokedUtc);

/// <summary>A new token: <see cref="Secret"/> is shown once and never stored.</summary>
public sealed record CreatedApiToken(ApiTokenView Token, string Secret);

/// <summary>Who a valid token speaks for: its user, the user's roles, and the token's scopes.</summary>
public sealed record ApiTokenIdentity(int TokenId, string UserId, string Email, IReadOnlyList<string> Roles, IReadOnlyList<string> Scopes);

/// <summary>
/// Personal access tokens: created for a user with scopes and an optional expiry, stored as a SHA-256 hash,
/// revocable, and stamped with their last use. The secret is <c>llpat_</c> followed by 43 base64url characters
/// (256 random bits), so a hash without salt is safe: there is nothing to guess.
/// </summary>
public sealed class ApiTokenService(IDbContextFactory<LabelLoopDbContext> contextFactory, TimeProvider time)
{
    public const string SecretPrefix = "llpat_";
    private const int MaxExpiryDays = 3650;
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    /// <summary>Creates a token for <paramref name="userId"/>. Users create their own; admins create anyone's.</summary>
    public async Task<CreatedApiToken> CreateAsync(
        Caller caller, string userId, string name, IReadOnlyList<string> scopes, int? expiresDays, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.IsAdmin && caller.UserId != userId)
        {
            throw new AccessDeniedException("Only admins create tokens for other users.");
        }
        name = (name ?? "").Trim();
        if (name.Length is 0 or > 100)
        {
            throw new DomainValidationException("name", "A token needs a name of 1 to 100 characters.");
        }
        var parsed = ApiScopes.Parse(string.Join(',', scopes ?? []));
        if (expiresDays is < 1 or > MaxExpiryDays)
        {
            throw new DomainValidationException("expiresDays", $"Expiry must be between 1 and {MaxExpiryDays} days, or none.");
        }
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, cancellationToken)
            ?? throw new NotFoundException($"User {userId} does not exist.");
        if (user.IsDisabled)
        {
            throw new DomainValidationException("user", $"{user.Email} is disabled; enable the account first.");
        }
        var secret = SecretPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = Now();
        var token = new ApiToken
        {
            UserId = userId,
            Name = name,
            Prefix = secret[..12],
            TokenHash = Hash(secret),
            Scopes = string.Join(',', parsed),
            CreatedUtc = now,
            ExpiresUtc = expiresDays is { } days ? now.AddDays(days) : null,
        };
        db.ApiTokens.Add(token);
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedApiToken(ToView(token, user.Email ?? ""), secret);
    }

    /// <summary>The CLI's way in: creates a token for the account with <paramref name="email"/>.</summary>
    public async Task<CreatedApiToken> CreateForEmailAsync(
        string email, string name, IReadOnlyList<string> scopes, int? expiresDays, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var normalized = (email ?? "").Trim().ToUpperInvariant();
        var userId = await db.Users.Where(u => u.NormalizedEmail == normalized).Select(u => u.Id).SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException($"No account has the e-mail address '{email}'.");
        return await CreateAsync(Caller.System, userId, name, scopes, expiresDays, cancellationToken);
    }

    /// <summary>
    /// The identity behind <paramref name="secret"/>, or null when it is unknown, revoked, expired, or its user is
    /// disabled. A lockout from sign-in does not count: whoever can type an e-mail address could otherwise switch off
    /// that account's tokens. Stamps the last-used time (at most once a minute per token).
    /// </summary>
    public async Task<ApiTokenIdentity?> AuthenticateAsync(string secret, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(secret) || !secret.StartsWith(SecretPrefix, StringComparison.Ordinal) || secret.Length > 200)
        {
            return null;
        }
        var hash = Hash(secret);
        var now = time.GetUtcNow();
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var found = await (
            from t in db.ApiTokens
            join u in db.Users on t.UserId equals u.Id
            where t.TokenHash == hash
            select new { t.Id, t.UserId, u.Email, u.IsDisabled, t.Scopes, t.ExpiresUtc, t.RevokedUtc, t.LastUsedUtc })
            .AsNoTracking()
            .SingleOrDefaultAsync(cancellationToken);
        if (found is null || found.RevokedUtc is not null || found.IsDisabled
            || (found.ExpiresUtc is { } expires && expires <= now.UtcDateTime))
        {
            return null;
        }
        var roles = await (
            from ur in db.UserRoles
            join r in db.Roles on ur.RoleId equals r.Id
            where ur.UserId == found.UserId
            select r.Name!).ToListAsync(cancellationToken);
        if (found.LastUsedUtc is null || now.UtcDateTime - found.LastUsedUtc.Value >= LastUsedResolution)
        {
            var stamp = now.UtcDateTime;
            await db.ApiTokens.Where(t => t.Id == found.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedUtc, stamp), cancellationToken);
        }
        return new ApiTokenIdentity(found.Id, found.UserId, found.Email ?? "", roles, ApiScopes.Parse(found.Scopes));
    }

    /// <summary>Tokens of one user (admins: of anyone, or of everyone when <paramref name="userId"/> is null), newest first.</summary>
    public Task<IReadOnlyList<ApiTokenView>> ListAsync(Caller caller, string? userId, CancellationToken cancellationToken = default) =>
        ListAsync(caller, userId, null, null, cancellationToken);

    /// <summary>As <see cref="ListAsync(Caller, string?, CancellationToken)"/>, one page at a time.</summary>
    /// <param name="beforeId">Only tokens with a smaller id (the next page of a newest-first list).</param>
    /// <param name="take">At most this many; all when null.</param>
    public async Task<IReadOnlyList<ApiTokenView>> ListAsync(
        Caller caller, string? userId, long? beforeId, int? take, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.IsAdmin)
        {
            if (userId is not null && userId != caller.UserId)
            {
                throw new AccessDeniedException("Only admins list other users' tokens.");
            }
            userId = caller.UserId;
        }
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var rows = await (
            from t in db.ApiTokens
            join u in db.Users on t.UserId equals u.Id
            where (userId == null || t.UserId == userId) && (beforeId == null || t.Id < beforeId)
            orderby t.Id descending
            select new { Token = t, u.Email }).AsNoTracking().Take(take ?? int.MaxValue).ToListAsync(cancellationToken);
        return [.. rows.Select(r => ToView(r.Token, r.Email ?? ""))];
    }

    /// <summary>One token; someone else's is reported missing unless the caller is an admin.</summary>
    public async Task<ApiTokenView> GetAsync(Caller caller, int tokenId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var row = await (
            from t in db.ApiTokens
            join u in db.Users on t.UserId equals u.Id
            where t.Id == tokenId
            select new { Token = t, u.Email }).AsNoTracking().SingleOrDefaultAsync(cancellationToken);
        if (row is null || (!caller.IsAdmin && row.Token.UserId != caller.UserId))
        {
            throw new NotFoundException($"Token {tokenId} does not exist.");
        }
        return ToView(row.Token, row.Email ?? "");
    }

    /// <summary>Revokes a token at once; revoking twice is harmless. Users revoke their own; admins anyone's.</summary>
    public async Task<ApiTokenView> RevokeAsync(Caller caller, int tokenId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.Id == tokenId, cancellationToken);
        if (token is null || (!caller.IsAdmin && token.UserId != caller.UserId))
        {
            // Someone else's token is reported as missing, not as forbidden: its existence is not the caller's business.
            throw new NotFoundException($"Token {tokenId} does not exist.");
        }
        token.RevokedUtc ??= Now();
        await db.SaveChangesAsync(cancellationToken);
        var email = await db.Users.Where(u => u.Id == token.UserId).Select(u => u.Email).SingleAsync(cancellationToken);
        return ToView(token, email ?? "");
    }

    /// <summary>The time to the microsecond, as PostgreSQL stores it, so a returned view equals a re-read row.</summary>
    private DateTime Now()
    {
        var now = time.GetUtcNow().UtcDateTime;
        return now.AddTicks(-(now.Ticks % 10));
    }

    /// <summary>Lower-case hex SHA-256 of the whole secret.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static ApiTokenView ToView(ApiToken t, string email) =>
        new(t.Id, t.UserId, email, t.Name, t.Prefix, ApiScopes.Parse(t.Scopes), t.CreatedUtc, t.ExpiresUtc, t.LastUsedUtc, t.RevokedUtc);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
