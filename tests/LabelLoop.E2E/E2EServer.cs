using LabelLoop.Core.Accounts;
using LabelLoop.Core.Import;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Accounts;
using LabelLoop.Data.Import;
using LabelLoop.Data.Projects;
using LabelLoop.Testing;
using LabelLoop.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit;

namespace LabelLoop.E2E;

/// <summary>
/// The real application on a loopback port (Kestrel, a migrated throwaway database, a temp data folder) and
/// a real Chromium (Debian's, driven by Playwright; no browser is downloaded). One per test class.
/// </summary>
public sealed class E2EServer : IAsyncLifetime
{
    public const string Password = "Passw0rd-e2e";

    private readonly TempDirectory _dataDir = new();
    private TempDatabase? _database;
    private WebApplication? _app;
    private IPlaywright? _playwright;

    /// <summary>
    /// Every console error, uncaught exception and Content-Security-Policy violation in the pages that
    /// <see cref="LogInAsync"/> opened, as "URL: message".
    /// </summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> BrowserErrors { get; } = new();

    public string BaseUrl { get; private set; } = "";

    public IBrowser Browser { get; private set; } = null!;

    public TempDatabase Database => _database!;

    public IServiceProvider Services => _app!.Services;

    public async ValueTask InitializeAsync()
    {
        _database = await TempDatabase.CreateMigratedAsync();
        _app = LabelLoopWebApplication.Create([], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:LabelLoop"] = _database.ConnectionString,
            ["DataDir"] = _dataDir.Path,
            ["Seed:Admin"] = "false",
            ["Seed:Sample"] = "false",
            ["urls"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
        }));
        await _app.StartAsync();
        BaseUrl = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("LABELLOOP_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task<(string Id, string Email)> CreateUserAsync(string role)
    {
        var email = $"{role}-{Guid.NewGuid():N}@example.org";
        await using var scope = Services.CreateAsyncScope();
        var id = await scope.ServiceProvider.GetRequiredService<UserService>().AddAsync(email, Password, role);
        return (id, email);
    }

    /// <summary>An image project with <paramref name="items"/> small PNGs, labels a/b/c, and the given members.</summary>
    public async Task<int> CreateImageProjectAsync(int items, int overlap, params string[] memberIds)
    {
        var projects = Services.GetRequiredService<ProjectService>();
        var id = await projects.CreateAsync(Caller.System, new ProjectInput($"e2e-{Guid.NewGuid():N}", ProjectKind.Image,
            [new LabelSpec("a"), new LabelSpec("b"), new LabelSpec("c")], "Pick a letter.", overlap));
        var entries = Enumerable.Range(0, items)
            .Select(i => (Name: $"unlabeled/img-{i:D3}.png", Bytes: TestImages.Png(i + 1000 * id, 8, 8)))
            .Select(x => new ImportEntry(x.Name, x.Bytes.Length, () => new MemoryStream(x.Bytes)))
            .ToList();
        var report = await Services.GetRequiredService<ImportService>().ImportAsync(id, new ImportListing(entries, []));
        Assert.True(report.Succeeded, string.Join("; ", report.Errors));
        Assert.Equal(items, report.Added);
        foreach (var member in memberIds)
        {
            await projects.AddMemberAsync(Caller.System, id, member);
        }
        return id;
    }

    /// <summary>A fresh browser context (its own cookies) logged in through the real form.</summary>
    public async Task<IPage> LogInAsync(string email)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseUrl });
        // Twice Playwright's 30 s: on a two-core machine shared with other work, a first page load (server code still
        // compiling, the browser starting) has been seen to take longer; a wrong page still fails every assertion.
        context.SetDefaultTimeout(60_000);
        context.SetDefaultNavigationTimeout(60_000);
        await context.AddInitScriptAsync(ReportPolicyViolations);
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                BrowserErrors.Enqueue($"{page.Url}: {message.Text} ({message.Location})");
            }
        };
        page.PageError += (_, error) => BrowserErrors.Enqueue($"{page.Url}: {error}");
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                BrowserErrors.Enqueue($"{page.Url}: {response.Status} from {response.Request.Method} {response.Url}");
            }
        };
        await page.GotoAsync("/login");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", Password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**/projects");
        return page;
    }

    // Runs before the page's own scripts (injected by the browser driver, so the page's CSP does not apply to it).
    // Chromium logs violations itself too; the event also names the directive and the source line.
    private const string ReportPolicyViolations = """
        document.addEventListener("securitypolicyviolation", function (e) {
            console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
        });
        """;

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
        _dataDir.Dispose();
    }
}
