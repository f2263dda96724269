using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Web.Accounts;
using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace LabelLoop.Web.Components.Shared;

/// <summary>
/// Base for pages that load something the caller may not see: turns <see cref="NotFoundException"/> and
/// <see cref="AccessDeniedException"/> into a 404/403 response with a message, instead of an error page.
/// The caller is the signed-in user of the request (static and prerendered pages) or of the circuit (interactive
/// ones), known before the page initialises.
/// </summary>
public abstract class GuardedPage : ComponentBase
{
    private ClaimsPrincipal? user;

    /// <summary>The request being rendered: present on the server's first render only, absent in a circuit.</summary>
    [CascadingParameter] public HttpContext? HttpContext { get; set; }

    [CascadingParameter] public Task<AuthenticationState>? AuthenticationState { get; set; }

    /// <summary>Set when loading failed: the status code and what to tell the user.</summary>
    protected (int Status, string Message)? Failure { get; private set; }

    protected Caller Caller => (user ?? HttpContext?.User ?? new ClaimsPrincipal()).ToCaller();

    public override async Task SetParametersAsync(ParameterView parameters)
    {
        parameters.SetParameterProperties(this);
        if (AuthenticationState is not null)
        {
            user = (await AuthenticationState).User;
        }
        await base.SetParametersAsync(ParameterView.Empty);
    }

    protected async Task<T?> GuardAsync<T>(Func<Task<T>> load) where T : class
    {
        try
        {
            return await load();
        }
        catch (NotFoundException ex)
        {
            Fail(StatusCodes.Status404NotFound, ex.Message);
        }
        catch (AccessDeniedException ex)
        {
            Fail(StatusCodes.Status403Forbidden, ex.Message);
        }
        return null;
    }

    private void Fail(int status, string message)
    {
        Failure = (status, message);
        if (HttpContext is { Response.HasStarted: false })
        {
            HttpContext.Response.StatusCode = status;
        }
    }
}
