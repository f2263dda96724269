namespace LabelLoop.Data.Annotations;

/// <summary>
/// Bounds how many labeling transactions (store a label, lease the next items, undo, review decisions) one node runs
/// against the database at once; the rest wait their turn here, asynchronously, instead of in PostgreSQL.
/// </summary>
/// <remarks>
/// Every label moves the project's counter row, so concurrent labeling transactions queue on that row's lock; with
/// as many transactions in flight as annotators, the queue and fifty busy backends on a small machine cost far more
/// than the work (bench/workspace.md: 50 annotators on 2 cores went from about 110 to about 370 labels a second with
/// the gate). A few slots per core keep the database busy without a queue inside it.
/// </remarks>
public sealed class LabelingGate
{
    private readonly SemaphoreSlim? _slots;

    /// <param name="slots">Transactions allowed at once; 0 or less means no limit.</param>
    public LabelingGate(int slots)
    {
        Slots = slots;
        _slots = slots > 0 ? new SemaphoreSlim(slots, slots) : null;
    }

    /// <summary>Configuration key for <see cref="Slots"/> (0: <see cref="DefaultSlots"/>; -1: no limit).</summary>
    public const string ConfigurationKey = "Labeling:MaxConcurrentTransactions";

    /// <summary>Two per core, plus two: enough to overlap one transaction's network waits with another's work.</summary>
    public static int DefaultSlots => 2 * Environment.ProcessorCount + 2;

    /// <summary>A gate that lets everything through (services built without one).</summary>
    public static LabelingGate Unlimited { get; } = new(0);

    /// <summary>The configured number of slots (0 or less: unlimited).</summary>
    public int Slots { get; }

    /// <summary>Waits for a slot; dispose the result to give it back.</summary>
    public async ValueTask<Slot> EnterAsync(CancellationToken cancellationToken)
    {
        if (_slots is null)
        {
            return default;
        }
        await _slots.WaitAsync(cancellationToken);
        return new Slot(_slots);
    }

    /// <summary>A held slot.</summary>
    public readonly struct Slot(SemaphoreSlim? semaphore) : IDisposable
    {
        public void Dispose() => semaphore?.Release();
    }
}
