namespace LabelLoop.Web.Input;

public static class InputPolicyExtensions
{
    /// <summary>
    /// Binding failures of minimal API endpoints (malformed JSON, wrong types, a missing body) throw
    /// <see cref="BadHttpRequestException"/> instead of answering a bare 400, so the exception handler can name the
    /// field and the problem (<see cref="BadRequestProblems"/>).
    /// </summary>
    public static IHostApplicationBuilder AddLabelLoopInputPolicy(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return builder;
    }

    /// <summary>
    /// The input policy (<see cref="InputPolicyMiddleware"/>): after routing and authorization, so it knows the
    /// endpoint and its route values and reads no body for callers who may not call it; before antiforgery.
    /// </summary>
    public static WebApplication UseLabelLoopInputPolicy(this WebApplication app)
    {
        app.UseMiddleware<InputPolicyMiddleware>();
        return app;
    }
}
