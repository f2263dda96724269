using System.Security.Claims;
using Bunit;
using Bunit.TestDoubles;
using MudBlazor.Services;

namespace LabelLoop.Web.Tests.Components;

/// <summary>
/// A bUnit context for the app's interactive components: MudBlazor's services, loose JS interop (MudBlazor's own
/// calls answer defaults), and a signed-in user given by <see cref="SignIn"/>. Pass the real application's services
/// (a <see cref="Testing.LabelLoopWebFactory"/> on a fresh database) to render pages that load data; everything the
/// context does not register itself is taken from there.
/// </summary>
public class MudBunitContext : BunitContext
{
    private readonly BunitAuthorizationContext _authorization;

    public MudBunitContext(IServiceProvider? application = null)
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
        _authorization = AddAuthorization();
        if (application is not null)
        {
            Services.AddFallbackServiceProvider(application);
        }
    }

    /// <summary>Signs in <paramref name="userId"/> with <paramref name="role"/> (one of <see cref="LabelLoop.Core.Accounts.Roles"/>).</summary>
    public void SignIn(string userId, string role, string? email = null)
    {
        _authorization.SetAuthorized(email ?? $"{role}@example.org");
        // Roles first: bUnit rebuilds the principal on each call, and setting roles drops claims set before.
        _authorization.SetRoles(role);
        _authorization.SetClaims(new Claim(ClaimTypes.NameIdentifier, userId));
    }
}
