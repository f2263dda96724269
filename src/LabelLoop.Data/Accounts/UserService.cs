using System.Security.Cryptography;
using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace LabelLoop.Data.Accounts;

/// <summary>A user row for admin lists.</summary>
public sealed record UserSummary(string Id, string Email, string Role, bool IsDisabled, DateTime CreatedUtc);

/// <summary>Account use cases on top of Identity's <see cref="UserManager{TUser}"/> (hashing, lockout, validation).</summary>
public sealed class UserService(UserManager<LabelLoopUser> users, RoleManager<IdentityRole> roles, TimeProvider time)
{
    public async Task EnsureRolesAsync()
    {
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                Check(await roles.CreateAsync(new IdentityRole(role)), "role");
            }
        }
    }

    /// <summary>Creates an account with one role; throws <see cref="DomainValidationException"/> with Identity's messages.</summary>
    public async Task<string> AddAsync(string email, string password, string role)
    {
        if (!Roles.IsKnown(role))
        {
            throw new DomainValidationException("role", $"Unknown role '{role}'; expected {string.Join(", ", Roles.All)}.");
        }
        email = email.Trim();
        if (!email.Contains('@', StringComparison.Ordinal) || email.Length > 256)
        {
            throw new DomainValidationException("email", $"'{email}' is not an e-mail address.");
        }
        await EnsureRolesAsync();
        var user = new LabelLoopUser
        {
            UserName = email,
            Email = email,
            EmailConfirmed = true,
            DisplayName = email.Split('@')[0],
            CreatedUtc = time.GetUtcNow().UtcDateTime,
        };
        var created = await users.CreateAsync(user, password);
        Check(created, created.Errors.Any(e => e.Code.Contains("Email", StringComparison.Ordinal) || e.Code.Contains("UserName", StringComparison.Ordinal)) ? "email" : "password");
        Check(await users.AddToRoleAsync(user, role), "role");
        return user.Id;
    }

    /// <summary>On a fresh database, creates <c>admin@labelloop.local</c> with a random password and returns it; otherwise null.</summary>
    public async Task<(string Email, string Password)?> CreateFirstAdminIfNoneAsync()
    {
        await EnsureRolesAsync();
        if (await users.Users.AnyAsync())
        {
            return null;
        }
        const string email = "admin@labelloop.local";
        var password = GeneratePassword();
        await AddAsync(email, password, Roles.Admin);
        return (email, password);
    }

    public async Task<IReadOnlyList<UserSummary>> ListAsync()
    {
        var all = await users.Users.OrderBy(u => u.Email).ToListAsync();
        var result = new List<UserSummary>(all.Count);
        foreach (var u in all)
        {
            var userRoles = await users.GetRolesAsync(u);
            result.Add(new UserSummary(u.Id, u.Email ?? "", userRoles.FirstOrDefault() ?? "", u.IsDisabled, u.CreatedUtc));
        }
        return result;
    }

    public async Task<LabelLoopUser?> FindByEmailAsync(string email) => await users.FindByEmailAsync(email.Trim());

    /// <summary>
    /// Disables an account: it can no longer sign in (Identity lockout until the end of time, checked by every
    /// sign-in) and its sessions end at their next security-stamp check. Labels it gave stay.
    /// </summary>
    public async Task DisableAsync(Caller caller, string userId)
    {
        var user = await ManageableAsync(caller, userId, "disable");
        user.IsDisabled = true;
        Check(await users.SetLockoutEnabledAsync(user, true), "user");
        Check(await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue), "user");
        Check(await users.UpdateSecurityStampAsync(user), "user");
    }

    /// <summary>Lets a disabled account sign in again.</summary>
    public async Task EnableAsync(Caller caller, string userId)
    {
        var user = await ManageableAsync(caller, userId, "enable");
        user.IsDisabled = false;
        Check(await users.SetLockoutEndDateAsync(user, null), "user");
        Check(await users.ResetAccessFailedCountAsync(user), "user");
    }

    /// <summary>Sets a new random password and returns it (shown once; only its hash is stored). Other sessions end.</summary>
    public async Task<string> ResetPasswordAsync(Caller caller, string userId)
    {
        var user = await FindAsync(caller, userId);
        var password = GeneratePassword();
        Check(await users.RemovePasswordAsync(user), "password");
        Check(await users.AddPasswordAsync(user, password), "password");
        Check(await users.ResetAccessFailedCountAsync(user), "user");
        Check(await users.UpdateSecurityStampAsync(user), "user");
        return password;
    }

    /// <summary>Gives the account exactly one role. Admins cannot take their own admin role away.</summary>
    public async Task SetRoleAsync(Caller caller, string userId, string role)
    {
        if (!Roles.IsKnown(role))
        {
            throw new DomainValidationException("role", $"Unknown role '{role}'; expected {string.Join(", ", Roles.All)}.");
        }
        var user = await FindAsync(caller, userId);
        if (user.Id == caller.UserId && role != Roles.Admin)
        {
            throw new DomainValidationException("role", "You cannot take away your own admin role; ask another admin.");
        }
        await EnsureRolesAsync();
        var current = await users.GetRolesAsync(user);
        if (current.Count == 1 && current[0] == role)
        {
            return;
        }
        Check(await users.RemoveFromRolesAsync(user, current), "role");
        Check(await users.AddToRoleAsync(user, role), "role");
        Check(await users.UpdateSecurityStampAsync(user), "user");
    }

    private async Task<LabelLoopUser> FindAsync(Caller caller, string userId)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.IsAdmin)
        {
            throw new AccessDeniedException("Only admins can manage accounts.");
        }
        return await users.FindByIdAsync(userId) ?? throw new NotFoundException($"User {userId} does not exist.");
    }

    private async Task<LabelLoopUser> ManageableAsync(Caller caller, string userId, string action)
    {
        var user = await FindAsync(caller, userId);
        if (user.Id == caller.UserId)
        {
            throw new DomainValidationException("user", $"You cannot {action} your own account.");
        }
        return user;
    }

    /// <summary>24 random characters from an unambiguous alphabet (about 138 bits), with a digit, a lower- and an upper-case letter.</summary>
    public static string GeneratePassword()
    {
        const string alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        // The password policy wants all three kinds; about 1 draw in 40 lacks a digit, so draw again.
        while (true)
        {
            var password = RandomNumberGenerator.GetString(alphabet, 24);
            if (password.Any(char.IsAsciiDigit) && password.Any(char.IsAsciiLetterLower) && password.Any(char.IsAsciiLetterUpper))
            {
                return password;
            }
        }
    }

    private static void Check(IdentityResult result, string field)
    {
        if (!result.Succeeded)
        {
            throw new DomainValidationException(field, string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }
}
