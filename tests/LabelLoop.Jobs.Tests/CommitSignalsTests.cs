using LabelLoop.Core.Webhooks;
using LabelLoop.Data;
using LabelLoop.Data.Webhooks;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Jobs.Tests;

/// <summary>What wakes the loop and the webhook sender: signals raised after a commit, never after a rollback.</summary>
public sealed class CommitSignalsTests(JobsFixture fixture) : IClassFixture<JobsFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private sealed class Recorder : IDisposable
    {
        private readonly CommitSignals _signals;

        public Recorder(CommitSignals signals)
        {
            _signals = signals;
            _signals.ProjectChanged += OnProjectChanged;
            _signals.WebhooksWritten += OnWebhooks;
        }

        public System.Collections.Concurrent.ConcurrentQueue<int> Projects { get; } = new();

        public int Webhooks;

        private void OnProjectChanged(int projectId) => Projects.Enqueue(projectId);

        private void OnWebhooks() => Interlocked.Increment(ref Webhooks);

        public void Dispose()
        {
            _signals.ProjectChanged -= OnProjectChanged;
            _signals.WebhooksWritten -= OnWebhooks;
        }
    }

    [Fact]
    public async Task A_committed_label_signals_its_project_and_its_webhook_delivery()
    {
        var admin = await fixture.CreateAdminAsync();
        var (projectId, ids) = await fixture.CreateProjectAsync(2, "a", "b");
        await fixture.Get<WebhookService>().CreateAsync(admin, projectId, "https://example.com/hook", [WebhookEvents.AnnotationCreated], Cancel);
        using var recorder = new Recorder(fixture.Get<CommitSignals>());

        await fixture.LabelAsync(admin, projectId, ids.Take(1), _ => "a");

        Assert.Contains(projectId, recorder.Projects);
        Assert.Equal(1, recorder.Webhooks);
    }

    [Fact]
    public async Task An_import_that_adds_items_signals_its_project_and_one_that_adds_none_does_not()
    {
        var projectId = await fixture.Get<Data.Projects.ProjectService>().CreateAsync(Core.Accounts.Caller.System,
            new Core.Projects.ProjectInput($"import-{Guid.NewGuid():N}", Core.Projects.ProjectKind.Text,
                [new Core.Projects.LabelSpec("yes"), new Core.Projects.LabelSpec("no")]), Cancel);
        var bytes = System.Text.Encoding.UTF8.GetBytes("{\"id\":\"a\",\"text\":\"first\"}\n{\"id\":\"b\",\"text\":\"second\"}\n");
        Core.Import.ImportListing Listing() => new([new Core.Import.ImportEntry("items.jsonl", bytes.Length, () => new MemoryStream(bytes))], []);
        using var recorder = new Recorder(fixture.Get<CommitSignals>());

        await fixture.Get<Data.Import.ImportService>().ImportAsync(projectId, Listing(), cancellationToken: Cancel);
        Assert.Equal([projectId], recorder.Projects);

        // The same items again: already present, nothing added, nothing for the loop to look at.
        await fixture.Get<Data.Import.ImportService>().ImportAsync(projectId, Listing(), cancellationToken: Cancel);
        Assert.Equal([projectId], recorder.Projects);
    }

    [Fact]
    public async Task A_rolled_back_transaction_signals_nothing_and_leaves_nothing_for_the_next_commit()
    {
        using var recorder = new Recorder(fixture.Get<CommitSignals>());
        var factory = fixture.Get<IDbContextFactory<LabelLoopDbContext>>();
        await using (var db = await factory.CreateDbContextAsync(Cancel))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(Cancel);
            db.MarkProjectChanged(12345);
            db.MarkWebhooksWritten();
            await transaction.RollbackAsync(Cancel);
        }
        await using (var db = await factory.CreateDbContextAsync(Cancel))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(Cancel);
            await transaction.CommitAsync(Cancel);
        }

        Assert.Empty(recorder.Projects);
        Assert.Equal(0, recorder.Webhooks);
    }

    [Fact]
    public async Task A_handler_that_throws_does_not_fail_the_committed_label()
    {
        var admin = await fixture.CreateAdminAsync();
        var (projectId, ids) = await fixture.CreateProjectAsync(1, "a", "b");
        var signals = fixture.Get<CommitSignals>();
        void Throw(int _) => throw new InvalidOperationException("handler failed");
        signals.ProjectChanged += Throw;
        try
        {
            await fixture.LabelAsync(admin, projectId, ids, _ => "b");
        }
        finally
        {
            signals.ProjectChanged -= Throw;
        }
        await using var check = fixture.CreateContext();
        Assert.Equal(1, await check.Projects.Where(p => p.Id == projectId).Select(p => p.LabeledCount).SingleAsync(Cancel));
    }
}
