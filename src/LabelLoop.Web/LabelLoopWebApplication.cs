using LabelLoop.Data;
using LabelLoop.Jobs;
using LabelLoop.Web.Accounts;
using LabelLoop.Web.Api;
using LabelLoop.Web.Components;
using LabelLoop.Web.Input;

namespace LabelLoop.Web;

/// <summary>Builds the web application: the table of contents of what the server does.</summary>
public static class LabelLoopWebApplication
{
    /// <param name="configure">Applied before the services are added (the CLI sets URLs, database and data dir here).</param>
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = FindContentRoot() });
        configure?.Invoke(builder);
        UseBuildStaticWebAssets(builder);

        builder.AddLabelLoopData();
        builder.AddLabelLoopMl();
        builder.AddLabelLoopJobs();
        builder.AddLabelLoopAccounts();
        builder.AddLabelLoopWeb();
        builder.AddLabelLoopApi();
        builder.AddLabelLoopInputPolicy();

        var app = builder.Build();
        app.UseLabelLoopWeb();
        app.UseLabelLoopApi();
        app.MapAccountEndpoints();
        app.MapImportEndpoints();
        app.MapLabelingEndpoints();
        app.MapJobEndpoints();
        app.MapJobsDashboard();
        app.MapProjectsApi();
        app.MapItemsApi();
        app.MapAnnotationsApi();
        app.MapPredictionsApi();
        app.MapTokensApi();
        app.MapLabelLoopApiDocs();
        app.MapExportEndpoints();
        app.MapWebhookEndpoints();
        app.MapStatsEndpoints();
        // The circuit's own frame-ancestors header would replace the full policy of SecurityHeaders, which forbids framing.
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode(o => o.ContentSecurityFrameAncestorsPolicy = null);
        return app;
    }

    // blazor.web.js and MudBlazor's CSS and JS are static web assets of packages: a published app has them under
    // wwwroot, a built one finds them through the build's manifest, which only the Development environment reads by
    // itself. The CLI (`make run`, the tests' servers) runs the build in any environment, so point every one at it.
    private static void UseBuildStaticWebAssets(WebApplicationBuilder builder)
    {
        var manifest = Path.Combine(AppContext.BaseDirectory, "LabelLoop.Web.staticwebassets.runtime.json");
        if (File.Exists(manifest))
        {
            builder.WebHost.UseSetting(WebHostDefaults.StaticWebAssetsKey, manifest);
            builder.WebHost.UseStaticWebAssets();
        }
    }

    // Under `dotnet run --project src/LabelLoop.Web` the working folder holds appsettings.json and wwwroot; the
    // CLI (`labelloop serve`, `make run`) runs from anywhere, and the build put both next to its assemblies.
    private static string? FindContentRoot()
    {
        var cwd = Directory.GetCurrentDirectory();
        var hasOwn = File.Exists(Path.Combine(cwd, "appsettings.json")) || Directory.Exists(Path.Combine(cwd, "wwwroot"));
        return hasOwn || !File.Exists(Path.Combine(AppContext.BaseDirectory, "appsettings.json")) ? null : AppContext.BaseDirectory;
    }
}
