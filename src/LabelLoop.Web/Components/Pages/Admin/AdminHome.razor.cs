using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Accounts;
using LabelLoop.Data.Projects;
using LabelLoop.Jobs.Health;
using LabelLoop.Web.Accounts;
using Microsoft.AspNetCore.Components;

namespace LabelLoop.Web.Components.Pages.Admin;

/// <summary>
/// <c>/admin</c>: accounts (create, role, disable, reset password), project members, instance health. Every
/// action is a named form with an antiforgery token; the services check the caller is an admin again.
/// </summary>
public partial class AdminHome
{
    private IReadOnlyList<UserSummary> users = [];
    private IReadOnlyList<ProjectSummary> projects = [];
    private IReadOnlyList<(int ProjectId, string UserId, string Email)> members = [];
    private InstanceHealth? health;
    private IReadOnlyDictionary<string, string[]>? errors;
    private string? message;
    private (string Email, string Password)? shownPassword;

    [Inject] private UserService Users { get; set; } = default!;

    [Inject] private ProjectService Projects { get; set; } = default!;

    [Inject] private InstanceHealthService Health { get; set; } = default!;

    [CascadingParameter] public HttpContext? HttpContext { get; set; }

    [SupplyParameterFromForm(FormName = "add-user", Name = "newEmail")] public string? NewEmail { get; set; }

    [SupplyParameterFromForm(FormName = "add-user", Name = "newPassword")] public string? NewPassword { get; set; }

    [SupplyParameterFromForm(FormName = "add-user", Name = "newRole")] public string? NewRole { get; set; }

    private Caller Caller => HttpContext!.User.ToCaller();

    protected override async Task OnInitializedAsync()
    {
        await LoadAsync();
        health = await Health.CheckAsync(HttpContext!.RequestAborted);
    }

    private async Task LoadAsync()
    {
        users = await Users.ListAsync();
        projects = await Projects.ListAsync(Caller);
        members = await Projects.ListAllMembersAsync(Caller);
    }

    private IEnumerable<(string UserId, string Email)> MembersOf(int projectId) =>
        members.Where(m => m.ProjectId == projectId).Select(m => (m.UserId, m.Email));

    private Task AddUserAsync() => RunAsync(async () =>
    {
        await Users.AddAsync(NewEmail ?? "", NewPassword ?? "", NewRole ?? Roles.Annotator);
        message = $"Created {NewEmail}. Add them to projects below.";
    });

    private Task SetRoleAsync(string userId) => RunAsync(async () =>
    {
        var role = HttpContext!.Request.Form["role"].ToString();
        await Users.SetRoleAsync(Caller, userId, role);
        message = $"Role changed to {role}.";
    });

    private Task ToggleAsync(string userId, bool isDisabled) => RunAsync(async () =>
    {
        if (isDisabled)
        {
            await Users.EnableAsync(Caller, userId);
            message = "Account enabled: it can sign in again.";
        }
        else
        {
            await Users.DisableAsync(Caller, userId);
            message = "Account disabled: it cannot sign in, and its sessions end within a minute. Its labels stay.";
        }
    });

    private Task ResetPasswordAsync(string userId, string email) => RunAsync(async () =>
    {
        var password = await Users.ResetPasswordAsync(Caller, userId);
        shownPassword = (email, password);
    });

    private Task AddMemberAsync(int projectId) => RunAsync(async () =>
    {
        var email = HttpContext!.Request.Form["memberEmail"].ToString();
        var user = (string.IsNullOrWhiteSpace(email) ? null : await Users.FindByEmailAsync(email))
            ?? throw new DomainValidationException("memberEmail", $"No account has the e-mail '{email}'. Add the user first.");
        await Projects.AddMemberAsync(Caller, projectId, user.Id);
        message = $"{user.Email} is now a member.";
    });

    private Task RemoveMemberAsync(int projectId, string userId) => RunAsync(async () =>
    {
        await Projects.RemoveMemberAsync(Caller, projectId, userId);
        message = "Member removed.";
    });

    private async Task RunAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (DomainValidationException ex)
        {
            errors = ex.Errors;
            HttpContext!.Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        catch (NotFoundException ex)
        {
            errors = new Dictionary<string, string[]> { [""] = [ex.Message] };
            HttpContext!.Response.StatusCode = StatusCodes.Status404NotFound;
        }
        await LoadAsync();
    }
}
