using LabelLoop.Core.Accounts;
using LabelLoop.Core.Annotations;
using LabelLoop.Core.Items;
using LabelLoop.Core.Projects;
using LabelLoop.Data;
using LabelLoop.Data.Accounts;
using LabelLoop.Data.Annotations;
using LabelLoop.Data.Blobs;
using LabelLoop.Data.Projects;
using LabelLoop.Data.Providers;
using LabelLoop.Ml;
using LabelLoop.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace LabelLoop.Jobs.Tests;

/// <summary>
/// Data and jobs as the application wires them, on a migrated throwaway database, with the fake engine. The
/// scheduler is registered (so the queue can store triggers) but not started unless a test starts the host.
/// </summary>
public class JobsFixture : IAsyncLifetime
{
    private IHost? _host;

    public TempDatabase Database { get; private set; } = null!;

    public TempDirectory DataDir { get; } = new();

    public FakeModelEngine Engine { get; } = new();

    /// <summary>The engine the host runs on: the fake unless a derived fixture runs the real one.</summary>
    protected virtual IModelEngine HostEngine => Engine;

    public IServiceProvider Services => (_host ?? throw new InvalidOperationException("not initialized")).Services;

    public IHost Host => _host ?? throw new InvalidOperationException("not initialized");

    /// <summary>The database provider: the test run's default unless a derived fixture names one.</summary>
    protected virtual DatabaseProvider? Provider => null;

    /// <summary>Settings a derived fixture adds (section <c>Jobs</c> and others).</summary>
    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Jobs:Enabled"] = "false" };

    public virtual async ValueTask InitializeAsync()
    {
        Database = await TempDatabase.CreateMigratedAsync(Provider);
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:LabelLoop"] = Database.ConnectionString,
            ["DataDir"] = DataDir.Path,
            ["Jobs:RunHeartbeatTimeoutSeconds"] = "10",
            ["Jobs:InvisibilityTimeoutSeconds"] = "10",
            ["Jobs:QueuePollMilliseconds"] = "200",
            ["Jobs:RetryDelaySeconds"] = "1",
        });
        builder.Configuration.AddInMemoryCollection(Settings);
        builder.Services.AddSingleton(HostEngine);
        builder.AddLabelLoopData();
        builder.AddLabelLoopMl();
        builder.AddLabelLoopJobs();
        _host = builder.Build();
    }

    private bool _started;

    /// <summary>Starts the host: Hangfire's servers and the retrain loop run when the fixture's settings enable jobs.</summary>
    public async Task StartAsync()
    {
        await Host.StartAsync();
        _started = true;
    }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    public LabelLoopDbContext CreateContext() => Database.CreateContext();

    /// <summary>An admin account and its caller.</summary>
    public async Task<Caller> CreateAdminAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        var id = await scope.ServiceProvider.GetRequiredService<UserService>()
            .AddAsync($"admin-{Guid.NewGuid():N}@example.org", "Passw0rd-for-tests", Roles.Admin);
        return new Caller(id, IsAdmin: true);
    }

    /// <summary>An image project with <paramref name="items"/> generated images and the given labels.</summary>
    public Task<(int ProjectId, List<long> ItemIds)> CreateProjectAsync(int items, params string[] labels) =>
        CreateProjectAsync(items, (projectId, i) => TestImages.Png((projectId * 1000) + i, 8, 8), labels);

    /// <summary>An image project with <paramref name="items"/> images from <paramref name="image"/> (project id, index).</summary>
    public async Task<(int ProjectId, List<long> ItemIds)> CreateProjectAsync(int items, Func<int, int, byte[]> image, params string[] labels)
    {
        var projectId = await Get<ProjectService>().CreateAsync(Caller.System,
            new ProjectInput($"p-{Guid.NewGuid():N}", ProjectKind.Image, labels.Select(l => new LabelSpec(l)).ToList()));
        var blobs = Get<BlobStore>();
        await using var db = CreateContext();
        var created = new List<Item>();
        for (var i = 0; i < items; i++)
        {
            var png = image(projectId, i);
            var hash = TestImages.Sha256(png);
            blobs.Put(hash, png);
            created.Add(new Item
            {
                ProjectId = projectId,
                ContentHash = hash,
                BlobHash = hash,
                MediaType = "image/png",
                ExternalId = $"img-{i}.png",
                Status = ItemStatus.Unlabeled,
                CreatedUtc = DateTime.UnixEpoch,
            });
        }
        db.Items.AddRange(created);
        await db.SaveChangesAsync();
        await db.Projects.Where(p => p.Id == projectId).ExecuteUpdateAsync(s => s.SetProperty(p => p.ItemCount, items));
        return (projectId, created.Select(i => i.Id).ToList());
    }

    /// <summary>Labels items through the real service, as annotators do: leased to the caller first, then answered.</summary>
    public async Task LabelAsync(Caller caller, int projectId, IEnumerable<long> itemIds, Func<int, string> labelOf)
    {
        var annotations = Get<AnnotationService>();
        var ids = itemIds.ToList();
        await Database.LeaseAsync(projectId, caller.UserId, ids, Get<TimeProvider>());
        var n = 0;
        foreach (var id in ids)
        {
            await annotations.SubmitAsync(caller, projectId, new SubmitAnnotation(id, labelOf(n++)));
        }
    }

    public async Task SetProjectAsync(int projectId, int? retrainEvery = null, int? committee = null, string? strategy = null, int? trainingSteps = null)
    {
        await using var db = CreateContext();
        var project = await db.Projects.SingleAsync(p => p.Id == projectId);
        project.TrainingSteps = trainingSteps ?? project.TrainingSteps;
        project.RetrainEvery = retrainEvery ?? project.RetrainEvery;
        project.CommitteeSize = committee ?? project.CommitteeSize;
        project.Strategy = strategy ?? project.Strategy;
        await db.SaveChangesAsync();
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            if (_started)
            {
                await _host.StopAsync(CancellationToken.None);
            }
            _host.Dispose();
        }
        await Database.DisposeAsync();
        DataDir.Dispose();
        GC.SuppressFinalize(this);
    }
}
