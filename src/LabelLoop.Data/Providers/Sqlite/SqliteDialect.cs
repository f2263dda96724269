using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace LabelLoop.Data.Providers.Sqlite;

/// <summary>
/// SQLite: one writer at a time. Every write transaction begins <c>IMMEDIATE</c> (Microsoft.Data.Sqlite's default),
/// so a transaction that reads and then writes holds the write lock from its first statement: that is what the row
/// locks of PostgreSQL do here, and why the lock clauses are empty. Waiting writers sleep in the busy handler
/// (<see cref="DatabaseSettings.SqliteBusyTimeoutMs"/>) instead of failing.
/// </summary>
public sealed class SqliteDialect : IDatabaseDialect
{
    public static SqliteDialect Instance { get; } = new();

    // SQLite result codes (https://sqlite.org/rescode.html).
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteConstraint = 19;
    private const int SqliteConstraintUnique = 2067;
    private const int SqliteConstraintPrimaryKey = 1555;

    private SqliteDialect()
    {
    }

    public DatabaseProvider Provider => DatabaseProvider.Sqlite;

    public string ForUpdate => "";

    public string ForNoKeyUpdate => "";

    public string ForUpdateSkipLocked(string alias) => "";

    public string RelaxedCommit => "";

    public string InList(string expression, string parameter) => $"{expression} IN (SELECT value FROM json_each({parameter}))";

    public object ListValue(IReadOnlyCollection<long> values) => JsonSerializer.Serialize(values);

    public string ArrayContains(string column, string parameter) => $"EXISTS (SELECT 1 FROM json_each({column}) WHERE value = {parameter})";

    public string DayOf(string column) => $"date({column})";

    public float[] ReadSingles(DbDataReader reader, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return JsonSerializer.Deserialize<float[]>(reader.GetString(ordinal)) ?? [];
    }

    public DateTime ReadUtc(DbDataReader reader, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc);
    }

    // Writers are serialised already; nothing more to lock.
    public Task LockVersionsAsync(DatabaseFacade database, int lockNamespace, int projectId, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<IDbContextTransaction> BeginSnapshotAsync(DatabaseFacade database, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        // Deferred: a read transaction takes no write lock, so labeling goes on while an export or a dashboard reads;
        // in WAL mode its reads all see the database as of its first read.
        await database.OpenConnectionAsync(cancellationToken);
        var connection = (SqliteConnection)database.GetDbConnection();
        var transaction = connection.BeginTransaction(IsolationLevel.Serializable, deferred: true);
        return await database.UseTransactionAsync(transaction, cancellationToken)
            ?? throw new InvalidOperationException("The SQLite read transaction could not be enlisted.");
    }

    public async Task<long> BulkInsertAsync(
        DatabaseFacade database, string table, IReadOnlyList<string> columns, IEnumerable<object?[]> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        await database.OpenConnectionAsync(cancellationToken);
        // One prepared statement, rebound per row, inside the caller's transaction: no per-row commit, no re-parse.
        var names = columns.Select((_, k) => "@p" + k.ToString(CultureInfo.InvariantCulture)).ToList();
        await using var insert = DatabaseDialect.Command(database,
            $"INSERT INTO {table} ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) VALUES ({string.Join(", ", names)})");
        var parameters = names.Select(n => DatabaseDialect.Add(insert, n, null)).ToList();
        insert.Prepare();
        long count = 0;
        foreach (var row in rows)
        {
            for (var k = 0; k < parameters.Count; k++)
            {
                parameters[k].Value = row[k] switch
                {
                    null => DBNull.Value,
                    float[] singles => JsonSerializer.Serialize(singles),
                    var value => value,
                };
            }
            count += await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        return count;
    }

    public async Task CreateTransactionTempTableAsync(DatabaseFacade database, string name, string columns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        // Temporary tables live as long as the connection, and pooled connections outlive a failed import: replace it.
        // The names are the caller's constants, never input.
        var sql = $"DROP TABLE IF EXISTS temp.{name}; CREATE TEMP TABLE {name} ({columns})";
        await database.ExecuteSqlRawAsync(sql, cancellationToken);
    }

    public async Task DropTransactionTempTableAsync(DatabaseFacade database, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        var sql = $"DROP TABLE IF EXISTS temp.{name}";
        await database.ExecuteSqlRawAsync(sql, cancellationToken);
    }

    public bool IsTransient(Exception exception) => exception switch
    {
        SqliteException sqlite => sqlite.SqliteErrorCode is SqliteBusy or SqliteLocked,
        DbUpdateException { InnerException: { } inner } => IsTransient(inner),
        _ => false,
    };

    public bool IsUniqueViolation(Exception exception) => exception switch
    {
        SqliteException sqlite => sqlite.SqliteErrorCode == SqliteConstraint
            && sqlite.SqliteExtendedErrorCode is SqliteConstraintUnique or SqliteConstraintPrimaryKey,
        DbUpdateException { InnerException: { } inner } => IsUniqueViolation(inner),
        _ => false,
    };
}
