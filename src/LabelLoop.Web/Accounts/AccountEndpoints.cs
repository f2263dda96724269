using LabelLoop.Data.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace LabelLoop.Web.Accounts;

public static class AccountEndpoints
{
    /// <summary>POST /logout (the form's antiforgery token required) and GET / (to the project list).</summary>
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/logout", LogOutAsync).RequireAntiforgeryToken();
        app.MapGet("/", () => TypedResults.LocalRedirect("/projects"));
        return app;
    }

    /// <summary>
    /// Ends the session on the server as well as in the browser: a new security stamp makes every cookie issued before
    /// it invalid (see <see cref="SessionStampValidator"/>), so a copied cookie dies with the logout. The account's
    /// other browser sessions end too; its API tokens do not depend on the stamp and keep working.
    /// </summary>
    private static async Task<RedirectHttpResult> LogOutAsync(HttpContext http, SignInManager<LabelLoopUser> signIn, UserManager<LabelLoopUser> users)
    {
        if (await users.GetUserAsync(http.User) is { } user)
        {
            await users.UpdateSecurityStampAsync(user);
        }
        await signIn.SignOutAsync();
        return TypedResults.LocalRedirect("/login");
    }
}
