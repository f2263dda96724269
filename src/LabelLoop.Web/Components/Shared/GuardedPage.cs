using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Web.Accounts;
using Microsoft.AspNetCore.Components;

namespace LabelLoop.Web.Components.Shared;

/// <summary>
/// Base for pages that load something the caller may not see: turns <see cref="NotFoundException"/> and
/// <see cref="AccessDeniedException"/> into a 404/403 response with a message, instead of an error page.
/// </summary>
public abstract class GuardedPage : ComponentBase
{
    [CascadingParameter] public HttpContext? HttpContext { get; set; }

    /// <summary>Set when loading failed: the status code and what to tell the user.</summary>
    protected (int Status, string Message)? Failure { get; private set; }

    protected Caller Caller => HttpContext!.User.ToCaller();

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
