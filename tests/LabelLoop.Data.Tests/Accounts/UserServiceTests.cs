using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Data.Accounts;
using LabelLoop.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LabelLoop.Data.Tests.Accounts;

public sealed class UserServiceTests(LabelLoopDataFixture fixture) : IClassFixture<LabelLoopDataFixture>
{
    private static async Task<T> WithUsersAsync<T>(LabelLoopDataFixture data, Func<UserService, UserManager<LabelLoopUser>, Task<T>> body)
    {
        await using var scope = data.Services.CreateAsyncScope();
        return await body(scope.ServiceProvider.GetRequiredService<UserService>(), scope.ServiceProvider.GetRequiredService<UserManager<LabelLoopUser>>());
    }

    [Fact]
    public async Task Add_creates_an_account_with_its_role()
    {
        var email = LabelLoopDataFixture.UniqueEmail("reviewer");

        var (id, roles, passwordOk, listed) = await WithUsersAsync(fixture, async (service, users) =>
        {
            var id = await service.AddAsync($"  {email} ", "Str0ng-enough", Roles.Reviewer);
            var user = await service.FindByEmailAsync(email);
            var roles = await users.GetRolesAsync(user!);
            var passwordOk = await users.CheckPasswordAsync(user!, "Str0ng-enough");
            var listed = (await service.ListAsync()).Single(u => u.Id == id);
            return (id, roles, passwordOk, listed);
        });

        Assert.Equal([Roles.Reviewer], roles);
        Assert.True(passwordOk);
        Assert.Equal((id, email, Roles.Reviewer, false), (listed.Id, listed.Email, listed.Role, listed.IsDisabled));
    }

    [Theory]
    [InlineData("short1A")]
    [InlineData("nodigitsHere")]
    [InlineData("NOLOWER123")]
    public async Task A_weak_password_is_a_validation_error(string password)
    {
        var email = LabelLoopDataFixture.UniqueEmail();

        var ex = await Assert.ThrowsAsync<DomainValidationException>(() =>
            WithUsersAsync(fixture, (service, _) => service.AddAsync(email, password, Roles.Annotator)));

        Assert.True(ex.Errors.ContainsKey("password"));
        Assert.Null(await WithUsersAsync(fixture, (service, _) => service.FindByEmailAsync(email)));
    }

    [Fact]
    public async Task An_unknown_role_is_a_validation_error()
    {
        var ex = await Assert.ThrowsAsync<DomainValidationException>(() =>
            WithUsersAsync(fixture, (service, _) => service.AddAsync(LabelLoopDataFixture.UniqueEmail(), "Str0ng-enough", "superuser")));

        Assert.True(ex.Errors.ContainsKey("role"));
    }

    [Fact]
    public async Task An_address_without_an_at_sign_is_a_validation_error()
    {
        var ex = await Assert.ThrowsAsync<DomainValidationException>(() =>
            WithUsersAsync(fixture, (service, _) => service.AddAsync("not-an-address", "Str0ng-enough", Roles.Annotator)));

        Assert.True(ex.Errors.ContainsKey("email"));
    }

    [Fact]
    public async Task The_same_address_cannot_be_added_twice()
    {
        var email = LabelLoopDataFixture.UniqueEmail();
        await fixture.CreateUserAsync(email);

        await Assert.ThrowsAsync<DomainValidationException>(() =>
            WithUsersAsync(fixture, (service, _) => service.AddAsync(email.ToUpperInvariant(), "Str0ng-enough", Roles.Annotator)));
    }

    [Fact]
    public async Task The_first_admin_is_created_only_on_an_empty_database()
    {
        await using var fresh = new LabelLoopDataFixture();
        await fresh.InitializeAsync();

        var first = await WithUsersAsync(fresh, (service, _) => service.CreateFirstAdminIfNoneAsync());
        var second = await WithUsersAsync(fresh, (service, _) => service.CreateFirstAdminIfNoneAsync());

        Assert.NotNull(first);
        Assert.Null(second);
        var (email, password) = first.Value;
        Assert.Equal("admin@labelloop.local", email);
        Assert.Equal(24, password.Length);
        var (isAdmin, passwordOk, count) = await WithUsersAsync(fresh, async (service, users) =>
        {
            var admin = await users.FindByEmailAsync(email);
            return (await users.IsInRoleAsync(admin!, Roles.Admin), await users.CheckPasswordAsync(admin!, password), (await service.ListAsync()).Count);
        });
        Assert.True(isAdmin);
        Assert.True(passwordOk);
        Assert.Equal(1, count);
    }

    [Fact]
    public void Generated_passwords_are_long_and_different()
    {
        var passwords = Enumerable.Range(0, 20).Select(_ => UserService.GeneratePassword()).ToList();

        Assert.All(passwords, p => Assert.Equal(24, p.Length));
        Assert.Equal(passwords.Count, passwords.Distinct().Count());
    }
}
