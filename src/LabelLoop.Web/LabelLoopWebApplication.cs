using LabelLoop.Data;
using LabelLoop.Web.Accounts;
using LabelLoop.Web.Api;
using LabelLoop.Web.Components;

namespace LabelLoop.Web;

/// <summary>Builds the web application: the table of contents of what the server does.</summary>
public static class LabelLoopWebApplication
{
    /// <param name="configure">Applied before the services are added (the CLI sets URLs, database and data dir here).</param>
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, WebRootPath = FindWebRoot() });
        configure?.Invoke(builder);

        builder.AddLabelLoopData();
        builder.AddLabelLoopAccounts();
        builder.AddLabelLoopWeb();

        var app = builder.Build();
        app.UseLabelLoopWeb();
        app.MapAccountEndpoints();
        app.MapImportEndpoints();
        app.MapLabelingEndpoints();
        app.MapRazorComponents<App>();
        return app;
    }

    // Under `dotnet run --project src/LabelLoop.Web` the content root has wwwroot; the CLI runs from its
    // own output folder, where the build copied wwwroot next to the assemblies.
    private static string? FindWebRoot()
    {
        var besideAssemblies = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        return Directory.Exists(Path.Combine(Directory.GetCurrentDirectory(), "wwwroot")) || !Directory.Exists(besideAssemblies)
            ? null
            : besideAssemblies;
    }
}
