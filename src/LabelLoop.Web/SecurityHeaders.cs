namespace LabelLoop.Web;

/// <summary>
/// The security headers of every response (pages, API, static files, status pages, errors): a Content-Security-Policy
/// that forbids framing, <c>X-Frame-Options: DENY</c> for browsers that predate <c>frame-ancestors</c>,
/// <c>X-Content-Type-Options: nosniff</c> and <c>Referrer-Policy: no-referrer</c>.
/// </summary>
/// <remarks>
/// The headers are written when the response starts, so they survive the exception handler, which clears the headers
/// of a failed response, and they replace the <c>X-Frame-Options: SAMEORIGIN</c> that antiforgery adds to the responses
/// that set its cookie. An endpoint that sends a policy of its own (Swagger UI, the simulation SVG) keeps it; the
/// middleware adds <c>frame-ancestors 'none'</c> where that policy does not say.
/// </remarks>
public static class SecurityHeaders
{
    /// <summary>
    /// The pages load only this site's scripts (no inline script, no eval), styles and images, and talk only to this
    /// site (the circuit's WebSocket included). Inline styles are allowed: colours, bar widths and heat-map cells are
    /// data rendered as style attributes, and MudBlazor's theme provider writes the palette as a style element. What
    /// a page renders from data is encoded, so neither can carry markup in; scripts stay strictly this site's own.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public const string ReferrerPolicy = "no-referrer";

    /// <summary>Registers the middleware; call it first, before the exception handler and static files.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                Apply(((HttpContext)state).Response.Headers);
                return Task.CompletedTask;
            }, context);
            return next(context);
        });

    private static void Apply(IHeaderDictionary headers)
    {
        var own = headers.ContentSecurityPolicy.ToString();
        headers.ContentSecurityPolicy = own.Length == 0 ? ContentSecurityPolicy
            : own.Contains("frame-ancestors", StringComparison.OrdinalIgnoreCase) ? own
            : own + "; frame-ancestors 'none'";
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = ReferrerPolicy;
    }
}
