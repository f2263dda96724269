using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Accounts;
using LabelLoop.Data.Projects;
using LabelLoop.Jobs.Health;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;

namespace LabelLoop.Web.Components.Pages.Admin;

/// <summary>
/// <c>/admin</c>: accounts (create, role, disable, reset password), project members, instance health. An interactive
/// page: every action checks again that the circuit's user is an admin, and the services check it once more. Account
/// actions use a fresh <see cref="UserService"/> each, so a list changed meanwhile by another admin or the CLI is read
/// anew rather than from a long-lived Identity context.
/// </summary>
public partial class AdminHome
{
    private IReadOnlyList<UserSummary> users = [];
    private IReadOnlyList<ProjectSummary> projects = [];
    private IReadOnlyList<(int ProjectId, string UserId, string Email)> members = [];
    private readonly Dictionary<int, string?> memberInputs = [];
    private readonly Dictionary<int, string> memberErrors = [];
    private InstanceHealth? health;
    private IReadOnlyDictionary<string, string[]>? errors;
    private (string Email, string Password)? shownPassword;
    private string? filter;

    [Inject] private IServiceScopeFactory Scopes { get; set; } = default!;

    [Inject] private ProjectService Projects { get; set; } = default!;

    [Inject] private InstanceHealthService Health { get; set; } = default!;

    [Inject] private IDialogService Dialogs { get; set; } = default!;

    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [Inject] private IJsApiService JsApi { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        if (await GuardAsync(async () => { await LoadAsync(); return this; }) is not null)
        {
            health = await Health.CheckAsync();
        }
    }

    /// <summary>Throws unless the circuit's (or request's) user is an admin right now.</summary>
    private void RequireAdmin()
    {
        if (!Caller.IsAdmin)
        {
            throw new AccessDeniedException("Only admins manage accounts.");
        }
    }

    private async Task LoadAsync()
    {
        RequireAdmin();
        users = await WithUsersAsync(u => u.ListAsync());
        projects = await Projects.ListAsync(Caller);
        members = await Projects.ListAllMembersAsync(Caller);
    }

    private async Task<T> WithUsersAsync<T>(Func<UserService, Task<T>> action)
    {
        await using var scope = Scopes.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<UserService>());
    }

    private async Task WithUsersAsync(Func<UserService, Task> action)
    {
        await using var scope = Scopes.CreateAsyncScope();
        await action(scope.ServiceProvider.GetRequiredService<UserService>());
    }

    /// <summary>Asks before an action that cannot be taken back; true when the admin said yes.</summary>
    private async Task<bool> ConfirmAsync(string title, string message, string yes) =>
        await Dialogs.ShowMessageBoxAsync(title, message, yesText: yes, cancelText: "Cancel") == true;

    private bool MatchesFilter(UserSummary user) =>
        string.IsNullOrWhiteSpace(filter) || user.Email.Contains(filter.Trim(), StringComparison.OrdinalIgnoreCase);

    private IEnumerable<(string UserId, string Email)> MembersOf(int projectId) =>
        members.Where(m => m.ProjectId == projectId).Select(m => (m.UserId, m.Email));

    private string? MemberInput(int projectId) => memberInputs.GetValueOrDefault(projectId);

    private async Task AddUserAsync()
    {
        var parameters = new DialogParameters<AddUserDialog>
        {
            { d => d.Save, (Func<NewUser, Task>)(user => WithUsersAsync(async u => { RequireAdmin(); await u.AddAsync(user.Email, user.Password, user.Role); })) },
        };
        var dialog = await Dialogs.ShowAsync<AddUserDialog>("Add a user", parameters, new DialogOptions { MaxWidth = MaxWidth.ExtraSmall, FullWidth = true });
        if (await dialog.Result is { Canceled: false, Data: string email })
        {
            Snackbar.Add($"Created {email}. Add them to projects below.", Severity.Success);
            await RunAsync(() => Task.CompletedTask);
        }
    }

    private Task SetRoleAsync(UserSummary user, string role) => RunAsync(async () =>
    {
        await WithUsersAsync(u => u.SetRoleAsync(Caller, user.Id, role));
        Snackbar.Add($"{user.Email} is now {role}.", Severity.Success);
    });

    private async Task DisableAsync(UserSummary user)
    {
        if (!await ConfirmAsync("Disable account",
            $"{user.Email} will not be able to sign in, and their open sessions end within a minute. Their labels stay.", "Disable"))
        {
            return;
        }
        await RunAsync(async () =>
        {
            await WithUsersAsync(u => u.DisableAsync(Caller, user.Id));
            Snackbar.Add($"{user.Email} is disabled: it cannot sign in, and its sessions end within a minute. Its labels stay.", Severity.Success);
        });
    }

    private Task EnableAsync(UserSummary user) => RunAsync(async () =>
    {
        await WithUsersAsync(u => u.EnableAsync(Caller, user.Id));
        Snackbar.Add($"{user.Email} is enabled: it can sign in again.", Severity.Success);
    });

    private async Task ResetPasswordAsync(UserSummary user)
    {
        if (!await ConfirmAsync("Reset password",
            $"{user.Email} gets a new random password, shown here once; their current password and open sessions stop working.", "Reset password"))
        {
            return;
        }
        await RunAsync(async () =>
        {
            var password = await WithUsersAsync(u => u.ResetPasswordAsync(Caller, user.Id));
            shownPassword = (user.Email, password);
            Snackbar.Add($"New password set for {user.Email}.", Severity.Success);
        });
    }

    private async Task AddMemberAsync(int projectId)
    {
        memberErrors.Remove(projectId);
        var email = (MemberInput(projectId) ?? "").Trim();
        try
        {
            RequireAdmin();
            var user = (email.Length == 0 ? null : await WithUsersAsync(u => u.FindByEmailAsync(email)))
                ?? throw new DomainValidationException("memberEmail", $"No account has the e-mail '{email}'. Add the user first.");
            await Projects.AddMemberAsync(Caller, projectId, user.Id);
            memberInputs.Remove(projectId);
            Snackbar.Add($"{user.Email} is now a member.", Severity.Success);
        }
        catch (DomainValidationException ex)
        {
            memberErrors[projectId] = string.Join(" ", ex.Errors.SelectMany(e => e.Value));
            return;
        }
        catch (Exception ex) when (ex is NotFoundException or AccessDeniedException)
        {
            memberErrors[projectId] = ex.Message;
            return;
        }
        await RunAsync(() => Task.CompletedTask);
    }

    private Task RemoveMemberAsync(int projectId, string userId) => RunAsync(async () =>
    {
        await Projects.RemoveMemberAsync(Caller, projectId, userId);
        Snackbar.Add("Member removed.", Severity.Success);
    });

    private async Task CheckHealthAsync()
    {
        RequireAdmin();
        health = await Health.CheckAsync();
    }

    private async Task CopyAsync(string text)
    {
        try
        {
            await JsApi.CopyToClipboardAsync(text);
            Snackbar.Add("Copied to the clipboard.", Severity.Info);
        }
        catch (JSException)
        {
            Snackbar.Add("The browser did not allow copying: select the text and copy it by hand.", Severity.Warning);
        }
    }

    /// <summary>Runs an action for the signed-in admin, reports what went wrong by field, and reloads the lists.</summary>
    private async Task RunAsync(Func<Task> action)
    {
        errors = null;
        try
        {
            RequireAdmin();
            await action();
        }
        catch (DomainValidationException ex)
        {
            errors = ex.Errors;
        }
        catch (Exception ex) when (ex is NotFoundException or AccessDeniedException)
        {
            errors = new Dictionary<string, string[]> { [""] = [ex.Message] };
        }
        try
        {
            await LoadAsync();
        }
        catch (AccessDeniedException ex)
        {
            errors = new Dictionary<string, string[]> { [""] = [ex.Message] };
            users = [];
            projects = [];
            members = [];
        }
    }
}
