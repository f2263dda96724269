using LabelLoop.Core.Accounts;
using LabelLoop.Data;
using LabelLoop.Data.Accounts;
using LabelLoop.Data.Providers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace LabelLoop.Testing;

/// <summary>
/// The data layer as the application wires it (<c>AddLabelLoopData</c>) on a migrated throwaway database and a
/// temporary data folder. One per test class (<c>IClassFixture</c>); tests keep apart by using their own projects.
/// The database is SQLite unless the test run asks otherwise (<see cref="TempDatabase.DefaultProvider"/>);
/// <see cref="PostgresDataFixture"/> is the same on PostgreSQL, for tests of the provider seams.
/// </summary>
public class LabelLoopDataFixture : IAsyncLifetime
{
    private readonly DatabaseProvider? _provider;
    private TempDatabase? _database;

    public LabelLoopDataFixture()
    {
    }

    protected LabelLoopDataFixture(DatabaseProvider provider) => _provider = provider;
    private IHost? _host;

    public TempDatabase Database => _database ?? throw new InvalidOperationException("The fixture is not initialized.");

    public TempDirectory DataDir { get; } = new();

    public IServiceProvider Services => (_host ?? throw new InvalidOperationException("The fixture is not initialized.")).Services;

    public string BlobsDir => Path.Combine(DataDir.Path, "blobs");

    public async ValueTask InitializeAsync()
    {
        _database = await TempDatabase.CreateMigratedAsync(_provider);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:LabelLoop"] = _database.ConnectionString,
            ["DataDir"] = DataDir.Path,
        });
        builder.AddLabelLoopData();
        // Not started: the database is already migrated, and the tests call the services directly.
        _host = builder.Build();
    }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    public LabelLoopDbContext CreateContext() => Database.CreateContext();

    /// <summary>Creates an account through <see cref="UserService"/> and returns its id.</summary>
    public async Task<string> CreateUserAsync(string email, string role = Roles.Annotator, string password = "Passw0rd-for-tests")
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<UserService>().AddAsync(email, password, role);
    }

    /// <summary>An e-mail address no other test in the class uses.</summary>
    public static string UniqueEmail(string prefix = "user") => $"{prefix}-{Guid.NewGuid():N}@example.org";

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        _host?.Dispose();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
        DataDir.Dispose();
    }
}
