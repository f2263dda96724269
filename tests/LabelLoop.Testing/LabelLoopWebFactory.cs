using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Import;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Accounts;
using LabelLoop.Data.Import;
using LabelLoop.Data.Projects;
using LabelLoop.Data.Providers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LabelLoop.Testing;

/// <summary>
/// The real web application on a migrated throwaway database and a temporary data folder, with first-run
/// seeding off. One per test class (<c>IClassFixture</c>); both the database and the folder go on dispose.
/// </summary>
public class LabelLoopWebFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly DatabaseProvider? _provider;
    private TempDatabase? _database;

    public LabelLoopWebFactory()
    {
    }

    /// <summary>The factory on <paramref name="provider"/> instead of the test run's default (see <see cref="PostgresWebFactory"/>).</summary>
    protected LabelLoopWebFactory(DatabaseProvider provider) => _provider = provider;

    public TempDatabase Database => _database ?? throw new InvalidOperationException("The factory is not initialized.");

    public TempDirectory DataDir { get; } = new();

    public async ValueTask InitializeAsync() => _database = await TempDatabase.CreateMigratedAsync(_provider);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:LabelLoop", Database.ConnectionString);
        builder.UseSetting("DataDir", DataDir.Path);
        builder.UseSetting("Seed:Admin", "false");
        builder.UseSetting("Seed:Sample", "false");
        builder.UseSetting("Jobs:Enabled", "false");
        // Every test client signs in from the same address; the per-address budget is for the throttle's own tests.
        builder.UseSetting("Accounts:SignInThrottle:AddressAttempts", "1000");
    }

    /// <summary>Creates an account through <see cref="UserService"/> and returns its id.</summary>
    public async Task<string> CreateUserAsync(string email, string password, string role)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<UserService>().AddAsync(email, password, role);
    }

    /// <summary>A client that keeps cookies and shows redirects instead of following them.</summary>
    public HttpClient CreateBrowserClient() =>
        CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>A new account with <paramref name="role"/>, and a client logged in as it.</summary>
    public async Task<(HttpClient Client, string UserId, string Email)> CreateLoggedInClientAsync(string role)
    {
        var email = $"{role}-{Guid.NewGuid():N}@example.org";
        const string password = "Passw0rd-for-tests";
        var userId = await CreateUserAsync(email, password, role);
        var client = CreateBrowserClient();
        var response = await WebForms.LoginAsync(client, email, password);
        if (response.StatusCode != System.Net.HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Login as {email} answered {(int)response.StatusCode}, not a redirect.");
        }
        return (client, userId, email);
    }

    /// <summary>A new account with <paramref name="role"/>, and a client that sends a personal access token of it.</summary>
    public async Task<(HttpClient Client, string UserId, string Email)> CreateApiClientAsync(string role)
    {
        var email = $"{role}-{Guid.NewGuid():N}@example.org";
        var userId = await CreateUserAsync(email, "Passw0rd-for-tests", role);
        return (await CreateTokenClientAsync(userId), userId, email);
    }

    /// <summary>
    /// A client that sends a new personal access token of <paramref name="userId"/> (scope <c>admin</c> unless
    /// <paramref name="scopes"/> says otherwise: as much as the account's role allows). The API takes the sign-in
    /// cookie only for reads; requests that change something need a token.
    /// </summary>
    public async Task<HttpClient> CreateTokenClientAsync(string userId, params string[] scopes)
    {
        var token = await Services.GetRequiredService<ApiTokenService>().CreateAsync(
            Caller.System, userId, "tests", scopes.Length == 0 ? [ApiScopes.Admin] : scopes, null);
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Secret);
        return client;
    }

    /// <summary>
    /// A text project of <paramref name="items"/> items imported through <see cref="ImportService"/> (texts "item i of
    /// ID"), with <paramref name="labels"/> and <paramref name="members"/>; returns its id.
    /// </summary>
    public async Task<int> CreateTextProjectAsync(
        string namePrefix, IReadOnlyList<LabelSpec> labels, int items, int overlap, IEnumerable<string> members, CancellationToken cancellationToken)
    {
        var projects = Services.GetRequiredService<ProjectService>();
        var id = await projects.CreateAsync(Caller.System, new ProjectInput($"{namePrefix}-{Guid.NewGuid():N}", ProjectKind.Text,
            labels, "Say yes or no.", overlap), cancellationToken);
        var jsonl = string.Join('\n', Enumerable.Range(0, items).Select(i => JsonSerializer.Serialize(new { id = $"t{i}", text = $"item {i} of {id}" })));
        var bytes = Encoding.UTF8.GetBytes(jsonl);
        var report = await Services.GetRequiredService<ImportService>().ImportAsync(id,
            new ImportListing([new ImportEntry("items.jsonl", bytes.Length, () => new MemoryStream(bytes))], []), cancellationToken: cancellationToken);
        if (!report.Succeeded)
        {
            throw new InvalidOperationException($"The test import failed: {report.Errors[0].Message}");
        }
        foreach (var member in members)
        {
            await projects.AddMemberAsync(Caller.System, id, member, cancellationToken);
        }
        return id;
    }

    public override async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        await base.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
        DataDir.Dispose();
    }
}
