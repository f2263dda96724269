using LabelLoop.Core.Accounts;
using LabelLoop.Core.Items;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Annotations;
using LabelLoop.Data.Items;
using LabelLoop.Data.Projects;
using LabelLoop.Testing;
using Xunit;

namespace LabelLoop.Data.Tests.Labeling;

/// <summary>Leasing and annotation services over one database, with a clock the tests move.</summary>
public class LabelingFixture : IAsyncLifetime
{
    private readonly LabelLoopDataFixture _data;

    public LabelingFixture()
        : this(new LabelLoopDataFixture())
    {
    }

    protected LabelingFixture(LabelLoopDataFixture data) => _data = data;

    public async ValueTask InitializeAsync()
    {
        await _data.InitializeAsync();
        Projects = new ProjectService(_data.Database.ContextFactory, Clock);
        // A narrow gate, as on a small node, so every test also runs the labeling paths through it.
        Leases = new ItemLeaseService(_data.Database.ContextFactory, Projects, Clock, Gate);
        Annotations = new AnnotationService(_data.Database.ContextFactory, Projects, Clock, Gate);
    }

    public ManualTimeProvider Clock { get; } = new();

    public LabelingGate Gate { get; } = new(2);

    public ProjectService Projects { get; private set; } = null!;

    public ItemLeaseService Leases { get; private set; } = null!;

    public AnnotationService Annotations { get; private set; } = null!;

    public LabelLoopDataFixture Data => _data;

    /// <summary>A text project with labels a, b, c and <paramref name="items"/> items.</summary>
    public async Task<int> CreateProjectAsync(int items, int overlap = 1)
    {
        var id = await Projects.CreateAsync(Caller.System, new ProjectInput($"p-{Guid.NewGuid():N}", ProjectKind.Text,
            [new LabelSpec("a"), new LabelSpec("b"), new LabelSpec("c")], Overlap: overlap));
        await using var db = _data.CreateContext();
        for (var i = 0; i < items; i++)
        {
            db.Items.Add(new Item
            {
                ProjectId = id,
                ContentHash = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"),
                ExternalId = $"item-{i}",
                Text = $"text {i}",
                CreatedUtc = Clock.GetUtcNow().UtcDateTime,
            });
        }
        await db.SaveChangesAsync();
        return id;
    }

    /// <summary>A new annotator who is a member of the project.</summary>
    public async Task<Caller> MemberAsync(int projectId, string role = Roles.Annotator)
    {
        var userId = await _data.CreateUserAsync(LabelLoopDataFixture.UniqueEmail(role), role);
        await Projects.AddMemberAsync(Caller.System, projectId, userId);
        return new Caller(userId, role == Roles.Admin, role == Roles.Reviewer);
    }

    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return _data.DisposeAsync();
    }
}
