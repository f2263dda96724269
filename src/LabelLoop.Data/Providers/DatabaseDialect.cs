using System.Data.Common;
using LabelLoop.Data.Providers.Postgres;
using LabelLoop.Data.Providers.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace LabelLoop.Data.Providers;

/// <summary>Finds the dialect of a context, and the small ADO.NET helpers the raw-SQL paths share.</summary>
public static class DatabaseDialect
{
    public static IDatabaseDialect Of(DatabaseProvider provider) =>
        provider == DatabaseProvider.Sqlite ? SqliteDialect.Instance : PostgresDialect.Instance;

    public static IDatabaseDialect Of(DatabaseFacade database)
    {
        ArgumentNullException.ThrowIfNull(database);
        return database.IsSqlite() ? SqliteDialect.Instance : PostgresDialect.Instance;
    }

    public static IDatabaseDialect Of(DbContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Of(context.Database);
    }

    /// <summary>Whether any provider's dialect calls <paramref name="exception"/> (or what it wraps) transient.</summary>
    public static bool IsTransient(Exception exception) =>
        SqliteDialect.Instance.IsTransient(exception) || PostgresDialect.Instance.IsTransient(exception);

    /// <summary>Whether any provider's dialect calls <paramref name="exception"/> (or what it wraps) a unique-constraint violation.</summary>
    public static bool IsUniqueViolation(Exception exception) =>
        SqliteDialect.Instance.IsUniqueViolation(exception) || PostgresDialect.Instance.IsUniqueViolation(exception);

    /// <summary>A command on the context's open connection, in its current transaction if any.</summary>
    public static DbCommand Command(DatabaseFacade database, string sql, params (string Name, object? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(database);
        var command = database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        command.Transaction = database.CurrentTransaction?.GetDbTransaction();
        foreach (var (name, value) in parameters)
        {
            Add(command, name, value);
        }
        return command;
    }

    /// <summary>Adds a parameter, NULL for null.</summary>
    public static DbParameter Add(DbCommand command, string name, object? value)
    {
        ArgumentNullException.ThrowIfNull(command);
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    /// <summary>
    /// Several statements as one command (one round trip on PostgreSQL, one call on SQLite), each with its own
    /// parameters: every <c>@name</c> of statement <c>k</c> becomes <c>@name_k</c>. Statements that return no rows are
    /// skipped by the reader's result sets.
    /// </summary>
    public static DbCommand Batch(DatabaseFacade database, params (string Sql, (string Name, object? Value)[] Parameters)[] statements)
    {
        ArgumentNullException.ThrowIfNull(statements);
        var command = Command(database, "");
        var text = new System.Text.StringBuilder();
        for (var k = 0; k < statements.Length; k++)
        {
            var (sql, parameters) = statements[k];
            var suffix = "_" + k.ToString(System.Globalization.CultureInfo.InvariantCulture);
            text.Append(System.Text.RegularExpressions.Regex.Replace(sql, @"@(\w+)", m => m.Value + suffix).TrimEnd().TrimEnd(';')).Append(";\n");
            foreach (var (name, value) in parameters)
            {
                Add(command, name + suffix, value);
            }
        }
        command.CommandText = text.ToString();
        return command;
    }

    /// <summary>
    /// The row of <paramref name="table"/> with id <paramref name="id"/>, locked for update until the transaction ends
    /// (PostgreSQL; on SQLite the write transaction holds the whole database already).
    /// </summary>
    public static IQueryable<T> LockedById<T>(this DbSet<T> set, DbContext context, string table, long id)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(set);
        // The table name is the caller's constant, never input.
        var sql = $"SELECT * FROM \"{table}\" WHERE \"Id\" = {{0}}{Of(context).ForUpdate}";
        return set.FromSqlRaw(sql, id);
    }

    /// <summary>A boolean scalar as either provider returns it (PostgreSQL a bool, SQLite an integer); no row is false.</summary>
    public static bool IsTrue(object? scalar) => scalar switch
    {
        bool b => b,
        long l => l != 0,
        int i => i != 0,
        _ => false,
    };
}
