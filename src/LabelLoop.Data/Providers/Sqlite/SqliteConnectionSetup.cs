using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace LabelLoop.Data.Providers.Sqlite;

/// <summary>
/// Sets each new SQLite connection up as LabelLoop needs it: writers wait for each other (busy timeout), foreign keys
/// are enforced, and a commit returns only once it is on disk.
/// </summary>
/// <remarks>
/// <c>synchronous = FULL</c> with the WAL journal: every commit syncs the log, so an acknowledged label survives a
/// <c>kill -9</c> of the server and a power cut alike, the promise PostgreSQL's default <c>synchronous_commit = on</c>
/// makes. <c>NORMAL</c> would survive <c>kill -9</c> too but may lose the last commits to a power cut; labels are expert
/// time, so LabelLoop pays the sync. The journal mode itself is stored in the file (<see cref="DatabaseInitializer"/>).
/// </remarks>
public sealed class SqliteConnectionSetup : DbConnectionInterceptor
{
    public static SqliteConnectionSetup Instance { get; } = new();

    private static readonly string Pragmas =
        $"PRAGMA busy_timeout = {DatabaseSettings.SqliteBusyTimeoutMs}; PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
