using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;

namespace LabelLoop.Data;

/// <summary>
/// What a committed transaction changed that other parts of the process act on at once: a project's labels moved or
/// its pool grew (the learning loop checks whether it is due for training or pretraining), or webhook deliveries were
/// written to the outbox (the sender starts). Writers mark their context (<see cref="LabelLoopDbContext.MarkProjectChanged"/>,
/// <see cref="LabelLoopDbContext.MarkWebhooksWritten"/>); <see cref="CommitSignalInterceptor"/> raises what was marked
/// once the transaction commits, and drops it when it rolls back. Handlers run on the committing thread: they must
/// return at once and hand any work elsewhere. A handler that throws is logged and never fails the committed request.
/// </summary>
public sealed class CommitSignals(ILogger<CommitSignals> logger)
{
    /// <summary>A transaction that moved this project's labeled count or added items to its pool committed.</summary>
    public event Action<int>? ProjectChanged;

    /// <summary>A transaction that wrote webhook deliveries committed.</summary>
    public event Action? WebhooksWritten;

    internal void Raise(LabelLoopDbContext context)
    {
        var (projects, webhooks) = context.TakeMarks();
        foreach (var projectId in projects)
        {
            Invoke(() => ProjectChanged?.Invoke(projectId));
        }
        if (webhooks)
        {
            Invoke(() => WebhooksWritten?.Invoke());
        }
    }

    private void Invoke(Action raise)
    {
        try
        {
            raise();
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "A commit signal's handler failed; the periodic check will catch up");
        }
    }
}

/// <summary>Raises a context's <see cref="CommitSignals"/> after its transaction commits; forgets them on rollback.</summary>
internal sealed class CommitSignalInterceptor(CommitSignals signals) : DbTransactionInterceptor
{
    public override DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        Forget(eventData);
        return result;
    }

    public override ValueTask<DbTransaction> TransactionStartedAsync(
        DbConnection connection, TransactionEndEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
    {
        Forget(eventData);
        return ValueTask.FromResult(result);
    }

    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Raise(eventData);

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Raise(eventData);
        return Task.CompletedTask;
    }

    public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Forget(eventData);

    public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData);
        return Task.CompletedTask;
    }

    private void Raise(TransactionEndEventData eventData)
    {
        if (eventData.Context is LabelLoopDbContext context)
        {
            signals.Raise(context);
        }
    }

    private static void Forget(TransactionEndEventData eventData)
    {
        if (eventData.Context is LabelLoopDbContext context)
        {
            context.TakeMarks();
        }
    }
}
