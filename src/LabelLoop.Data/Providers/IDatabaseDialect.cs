using System.Data.Common;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace LabelLoop.Data.Providers;

/// <summary>
/// The few places where SQLite and PostgreSQL need different SQL or a different mechanism; every other query is LINQ.
/// One implementation per provider (<see cref="Sqlite.SqliteDialect"/>, <see cref="Postgres.PostgresDialect"/>); the
/// tests of each seam run against both.
/// </summary>
/// <remarks>
/// Leasing: PostgreSQL locks candidate rows (<c>FOR UPDATE SKIP LOCKED</c>) so concurrent annotators pass each other;
/// SQLite serialises writers (every write transaction begins <c>IMMEDIATE</c>), so no row lock is needed and the lock
/// clauses are empty. Bulk inserts: binary <c>COPY</c> against one prepared insert run per row in the caller's
/// transaction. Snapshots: a read-only repeatable-read transaction against one deferred read transaction (WAL gives
/// it a snapshot and lets writers go on).
/// </remarks>
public interface IDatabaseDialect
{
    DatabaseProvider Provider { get; }

    /// <summary>The lock clause of a <c>SELECT</c> that will update the rows it reads (<c>FOR UPDATE</c>).</summary>
    string ForUpdate { get; }

    /// <summary>The lock clause that keeps a row's key but lets foreign keys to it through (<c>FOR NO KEY UPDATE</c>).</summary>
    string ForNoKeyUpdate { get; }

    /// <summary>The lock clause of a candidate query: rows of <paramref name="alias"/>, skipping those another transaction holds.</summary>
    string ForUpdateSkipLocked(string alias);

    /// <summary>A statement (with its terminator) that lets the current transaction commit without waiting for the disk, or empty.</summary>
    string RelaxedCommit { get; }

    /// <summary>A condition: <paramref name="expression"/> is one of the values of list parameter <paramref name="parameter"/>.</summary>
    string InList(string expression, string parameter);

    /// <summary>The value of a list parameter used with <see cref="InList"/>.</summary>
    object ListValue(IReadOnlyCollection<long> values);

    /// <summary>A condition: the string array column <paramref name="column"/> contains parameter <paramref name="parameter"/>.</summary>
    string ArrayContains(string column, string parameter);

    /// <summary>The UTC calendar day of a timestamp column, as a date.</summary>
    string DayOf(string column);

    /// <summary>Reads a <c>float[]</c> column (an array on PostgreSQL, JSON text on SQLite).</summary>
    float[] ReadSingles(DbDataReader reader, int ordinal);

    /// <summary>Reads a timestamp column as a UTC <see cref="DateTime"/>.</summary>
    DateTime ReadUtc(DbDataReader reader, int ordinal);

    /// <summary>Serialises writers of one project's model or encoder versions for the rest of the transaction.</summary>
    Task LockVersionsAsync(DatabaseFacade database, int lockNamespace, int projectId, CancellationToken cancellationToken);

    /// <summary>Begins a read-only transaction whose reads all see one snapshot (exports, dashboard panels).</summary>
    Task<IDbContextTransaction> BeginSnapshotAsync(DatabaseFacade database, CancellationToken cancellationToken);

    /// <summary>
    /// Inserts <paramref name="rows"/> into <paramref name="table"/> on the open connection, in the current transaction.
    /// Values must have the columns' CLR types (<c>int</c> for integer, <c>long</c> for bigint, <c>float[]</c> for real
    /// arrays); null writes NULL.
    /// </summary>
    Task<long> BulkInsertAsync(DatabaseFacade database, string table, IReadOnlyList<string> columns, IEnumerable<object?[]> rows, CancellationToken cancellationToken);

    /// <summary>Creates an empty temporary table that ends with the transaction (or is replaced by the next one).</summary>
    Task CreateTransactionTempTableAsync(DatabaseFacade database, string name, string columns, CancellationToken cancellationToken);

    /// <summary>Drops a table made by <see cref="CreateTransactionTempTableAsync"/> where the provider does not on commit.</summary>
    Task DropTransactionTempTableAsync(DatabaseFacade database, string name, CancellationToken cancellationToken);

    /// <summary>Whether another try may succeed (a lost connection, a busy database), as against a fault in the data or code.</summary>
    bool IsTransient(Exception exception);

    /// <summary>Whether <paramref name="exception"/> is a unique-constraint violation.</summary>
    bool IsUniqueViolation(Exception exception);
}
