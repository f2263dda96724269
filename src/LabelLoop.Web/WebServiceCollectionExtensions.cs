using LabelLoop.Web.Accounts;
using LabelLoop.Web.Input;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Http.Features;
using MudBlazor.Services;

namespace LabelLoop.Web;

public static class WebServiceCollectionExtensions
{
    /// <summary>
    /// Razor components in the interactive server render mode with MudBlazor, antiforgery, error handling, upload limits,
    /// first-run seeding.
    /// </summary>
    public static IHostApplicationBuilder AddLabelLoopWeb(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        builder.Services.AddCascadingAuthenticationState();
        // A circuit outlives the request that opened it: re-check the account (disabled, password reset, role
        // changed) every minute, as the cookie is on every request.
        builder.Services.AddScoped<AuthenticationStateProvider, RevalidatingCircuitAuthenticationStateProvider>();
        builder.Services.AddAntiforgery();
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<LabelLoopExceptionHandler>();
        builder.Services.AddHttpContextAccessor();
        var maxUpload = builder.Configuration.GetValue<long?>("Import:MaxUploadBytes") ?? UploadLimits.DefaultMaxUploadBytes;
        builder.Services.Configure<FormOptions>(o => o.MultipartBodyLengthLimit = maxUpload);
        var inline = builder.Configuration.GetValue<long?>("Import:InlineMaxBytes") ?? UploadLimits.DefaultInlineMaxBytes;
        builder.Services.Configure<UploadLimits>(o =>
        {
            o.MaxUploadBytes = maxUpload;
            o.InlineMaxBytes = inline;
        });
        builder.Services.Configure<SeedOptions>(builder.Configuration.GetSection("Seed"));
        builder.Services.AddHostedService<FirstRunSeeder>();
        return builder;
    }

    public static WebApplication UseLabelLoopWeb(this WebApplication app)
    {
        // Before anything reads the client address or the scheme; only when configuration names a proxy.
        if (ForwardedHeadersSettings.Read(app.Configuration) is { } forwarded)
        {
            app.UseForwardedHeaders(forwarded);
        }
        // First, so every response gets the headers: pages, API, static files, status pages and errors.
        app.UseSecurityHeaders();
        app.UseExceptionHandler();
        // Friendly status pages for page views only: API clients read the status code and ProblemDetails, and a
        // re-executed POST would land on a page endpoint that rejects it.
        app.UseWhen(
            context => HttpMethods.IsGet(context.Request.Method) && !context.Request.Path.StartsWithSegments("/api"),
            // A fresh scope: the failed render already initialised the request's NavigationManager, and
            // rendering the status page in the same scope turned every 404 page into a 500.
            branch => branch.UseStatusCodePagesWithReExecute("/status/{0}", createScopeForStatusCodePages: true));
        // API errors that leave the body empty (challenges, refusals, unknown routes) get ProblemDetails.
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/api"), branch => branch.UseStatusCodePages());
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }
        // Before authorization on purpose: CSS and scripts are public, everything else needs a login.
        app.UseStaticFiles();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseLabelLoopInputPolicy();
        app.UseAntiforgery();
        return app;
    }
}

/// <summary>The largest upload the import form and API accept. Configuration key <c>Import:MaxUploadBytes</c>.</summary>
public sealed class UploadLimits
{
    public const long DefaultMaxUploadBytes = 1L << 30;

    public const long DefaultInlineMaxBytes = 32L << 20;

    public long MaxUploadBytes { get; set; } = DefaultMaxUploadBytes;

    /// <summary>Uploads up to this size are imported within the request; larger ones by a background job.</summary>
    public long InlineMaxBytes { get; set; } = DefaultInlineMaxBytes;
}
