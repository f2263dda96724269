using System.Text.Json.Serialization;

namespace LabelLoop.Web.Api;

public static class ApiServiceCollectionExtensions
{
    /// <summary>JSON conventions (camelCase, enums as names), the rate limiter, the OpenAPI document, problem details for bare errors.</summary>
    public static IHostApplicationBuilder AddLabelLoopApi(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.Services.AddApiRateLimiting(builder.Configuration);
        builder.Services.AddApiOpenApi();
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            // Challenges and refusals leave the body empty; say what to do about them.
            var problem = context.ProblemDetails;
            if (problem.Detail is null && context.HttpContext.Request.Path.StartsWithSegments("/api"))
            {
                problem.Detail = problem.Status switch
                {
                    StatusCodes.Status401Unauthorized => "Send a valid personal access token: Authorization: Bearer llpat_... (the sign-in cookie counts only for GET and HEAD).",
                    StatusCodes.Status403Forbidden => "The token's scope, or the account's role, does not allow this request.",
                    StatusCodes.Status404NotFound => "No such resource.",
                    StatusCodes.Status405MethodNotAllowed => "The resource does not support this method.",
                    StatusCodes.Status415UnsupportedMediaType => "Send the body as JSON, with Content-Type: application/json.",
                    _ => null,
                };
            }
        });
        return builder;
    }

    /// <summary>The rate limiter: after authentication, so buckets are per token or user.</summary>
    public static WebApplication UseLabelLoopApi(this WebApplication app)
    {
        app.UseRateLimiter();
        return app;
    }

    /// <summary><c>/openapi/v1.json</c> and Swagger UI at <c>/api/docs</c>, both readable without signing in.</summary>
    public static IEndpointRouteBuilder MapLabelLoopApiDocs(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapGet("/api/docs", (HttpContext http) =>
        {
            // Scripts and styles are same-origin files from wwwroot/lib (npm swagger-ui-dist); no inline script runs.
            http.Response.Headers.ContentSecurityPolicy =
                "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'";
            return TypedResults.Content(DocsPage, "text/html; charset=utf-8");
        }).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private const string DocsPage = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            <title>LabelLoop API</title>
            <link rel="icon" href="data:," />
            <link rel="stylesheet" href="/lib/swagger-ui/swagger-ui.css" />
        </head>
        <body>
            <div id="swagger-ui"></div>
            <script src="/lib/swagger-ui/swagger-ui-bundle.js"></script>
            <script src="/js/api-docs.js"></script>
        </body>
        </html>
        """;
}
