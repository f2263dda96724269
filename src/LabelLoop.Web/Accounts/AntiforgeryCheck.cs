using Microsoft.AspNetCore.Antiforgery;

namespace LabelLoop.Web.Accounts;

/// <summary>
/// Antiforgery for page endpoints that bind no form field. ASP.NET Core checks the token when an endpoint reads
/// the form; a button-only post (retrain, cancel, retry, simulate) reads nothing, so this filter checks it.
/// </summary>
public static class AntiforgeryCheck
{
    public static TBuilder RequireAntiforgeryToken<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var antiforgery = context.HttpContext.RequestServices.GetRequiredService<IAntiforgery>();
            try
            {
                await antiforgery.ValidateRequestAsync(context.HttpContext);
            }
            catch (AntiforgeryValidationException)
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request",
                    detail: "The form's antiforgery token is missing or invalid; reload the page and try again.");
            }
            return await next(context);
        });
}
