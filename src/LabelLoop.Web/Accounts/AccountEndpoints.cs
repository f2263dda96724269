using LabelLoop.Data.Accounts;
using Microsoft.AspNetCore.Identity;

namespace LabelLoop.Web.Accounts;

public static class AccountEndpoints
{
    /// <summary>POST /logout (antiforgery-checked form post) and GET / (to the project list).</summary>
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/logout", async (SignInManager<LabelLoopUser> signIn) =>
        {
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("/login");
        });
        app.MapGet("/", () => TypedResults.LocalRedirect("/projects"));
        return app;
    }
}
