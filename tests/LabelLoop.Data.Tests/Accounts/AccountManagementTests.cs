using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Data.Accounts;
using LabelLoop.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LabelLoop.Data.Tests.Accounts;

/// <summary>What the admin page does to accounts: disable, enable, reset password, change role.</summary>
public sealed class AccountManagementTests(LabelLoopDataFixture fixture) : IClassFixture<LabelLoopDataFixture>
{
    private const string Password = "Passw0rd-for-tests";

    private async Task<T> WithUsersAsync<T>(Func<UserService, UserManager<LabelLoopUser>, Task<T>> body)
    {
        await using var scope = fixture.Services.CreateAsyncScope();
        return await body(scope.ServiceProvider.GetRequiredService<UserService>(), scope.ServiceProvider.GetRequiredService<UserManager<LabelLoopUser>>());
    }

    private async Task<(Caller Admin, string UserId)> AdminAndUserAsync()
    {
        var admin = await fixture.CreateUserAsync(LabelLoopDataFixture.UniqueEmail("admin"), Roles.Admin);
        var user = await fixture.CreateUserAsync(LabelLoopDataFixture.UniqueEmail("annotator"));
        return (new Caller(admin, IsAdmin: true), user);
    }

    [Fact]
    public async Task Disable_locks_the_account_out_until_the_end_of_time_and_enable_lets_it_back()
    {
        var (admin, userId) = await AdminAndUserAsync();

        var disabled = await WithUsersAsync(async (service, users) =>
        {
            var stampBefore = (await users.FindByIdAsync(userId))!.SecurityStamp;
            await service.DisableAsync(admin, userId);
            var user = (await users.FindByIdAsync(userId))!;
            return (user.IsDisabled, user.LockoutEnd, await users.IsLockedOutAsync(user), user.SecurityStamp != stampBefore);
        });
        var enabled = await WithUsersAsync(async (service, users) =>
        {
            await service.EnableAsync(admin, userId);
            var user = (await users.FindByIdAsync(userId))!;
            return (user.IsDisabled, await users.IsLockedOutAsync(user));
        });

        Assert.Equal((true, (DateTimeOffset?)DateTimeOffset.MaxValue, true, true), disabled);
        Assert.Equal((false, false), enabled);
    }

    [Fact]
    public async Task Reset_password_returns_a_new_one_that_works_and_the_old_one_stops_working()
    {
        var (admin, userId) = await AdminAndUserAsync();

        var (password, newWorks, oldWorks) = await WithUsersAsync(async (service, users) =>
        {
            var password = await service.ResetPasswordAsync(admin, userId);
            var user = (await users.FindByIdAsync(userId))!;
            return (password, await users.CheckPasswordAsync(user, password), await users.CheckPasswordAsync(user, Password));
        });

        Assert.Equal(24, password.Length);
        Assert.True(newWorks);
        Assert.False(oldWorks);
    }

    [Fact]
    public void Generated_passwords_always_satisfy_the_password_rules()
    {
        // Without a retry about one in forty lacked a digit, and Identity refused it (a reset failing at random).
        for (var i = 0; i < 2000; i++)
        {
            var password = UserService.GeneratePassword();
            Assert.True(password.Any(char.IsDigit) && password.Any(char.IsLower) && password.Any(char.IsUpper), password);
        }
    }

    [Fact]
    public async Task Set_role_replaces_the_role_and_unknown_roles_are_refused()
    {
        var (admin, userId) = await AdminAndUserAsync();

        var roles = await WithUsersAsync(async (service, users) =>
        {
            await service.SetRoleAsync(admin, userId, Roles.Reviewer);
            return await users.GetRolesAsync((await users.FindByIdAsync(userId))!);
        });
        var unknown = await Assert.ThrowsAsync<DomainValidationException>(() => WithUsersAsync<bool>(async (service, _) =>
        {
            await service.SetRoleAsync(admin, userId, "superuser");
            return true;
        }));

        Assert.Equal([Roles.Reviewer], roles);
        Assert.Contains("role", unknown.Errors.Keys);
    }

    [Fact]
    public async Task Admins_cannot_disable_or_demote_themselves_and_others_cannot_manage_accounts()
    {
        var (admin, userId) = await AdminAndUserAsync();

        await Assert.ThrowsAsync<DomainValidationException>(() => WithUsersAsync<bool>(async (s, _) => { await s.DisableAsync(admin, admin.UserId); return true; }));
        await Assert.ThrowsAsync<DomainValidationException>(() => WithUsersAsync<bool>(async (s, _) => { await s.SetRoleAsync(admin, admin.UserId, Roles.Annotator); return true; }));
        await Assert.ThrowsAsync<AccessDeniedException>(() => WithUsersAsync<bool>(async (s, _) => { await s.DisableAsync(new Caller(userId, false), admin.UserId); return true; }));
        await Assert.ThrowsAsync<AccessDeniedException>(() => WithUsersAsync(async (s, _) => await s.ResetPasswordAsync(new Caller(userId, false), admin.UserId)));
        await Assert.ThrowsAsync<NotFoundException>(() => WithUsersAsync(async (s, _) => await s.ResetPasswordAsync(admin, "no-such-user")));
    }
}
