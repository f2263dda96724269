using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using LabelLoop.Core.Jobs;
using LabelLoop.Data;
using LabelLoop.Ml;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Hangfire;

namespace LabelLoop.Jobs.Health;

/// <summary>The instance at a glance, for the admin page: database, job scheduler, model engine.</summary>
public sealed record InstanceHealth(DatabaseHealth Database, SchedulerHealth Scheduler, EngineHealth Engine);

/// <summary>Whether the database answers, how fast, and whether its schema is up to date.</summary>
public sealed record DatabaseHealth(bool Ok, string? Server, double RoundTripMilliseconds, long? SizeBytes, int PendingMigrations, string? Error);

/// <summary>Hangfire as this node sees it, its servers across nodes, and our job-run rows by state.</summary>
/// <param name="RunsJobsHere">Whether this process runs jobs (<c>Jobs:Enabled</c>); a web-only node only enqueues.</param>
/// <param name="Status">Running when a Hangfire server of this node is alive in the storage, Standby on a web-only node, Stopped otherwise.</param>
/// <param name="InstanceId">This node's name (its servers are named after it).</param>
/// <param name="Clustered">Whether the storage is shared by several nodes (PostgreSQL).</param>
/// <param name="JobsExecuted">Jobs Hangfire has finished successfully, over every node.</param>
public sealed record SchedulerHealth(
    bool RunsJobsHere,
    string Status,
    string? InstanceId,
    bool Clustered,
    long JobsExecuted,
    DateTimeOffset? RunningSince,
    IReadOnlyList<SchedulerNode> Nodes,
    int QueuedRuns,
    int RunningRuns,
    int FailedLastDay,
    string? Error);

/// <summary>A Hangfire server (a node serves one per queue) and its last heartbeat.</summary>
public sealed record SchedulerNode(string InstanceId, DateTime LastCheckinUtc, bool Alive);

/// <summary>
/// The model engine as the admin page shows it: whether libtorch loaded (and why not), its version, the measured
/// matrix-product rate, the CPU threads, and the device models run on. Its own record, so that the web
/// project reads engine facts through this service without referencing the engine's assembly.
/// </summary>
public sealed record EngineHealth(
    bool EngineAvailable,
    string? UnavailableReason,
    string? TorchVersion,
    int Threads,
    double BlasGflops,
    bool SlowBlas,
    string Device,
    string? Warning);

/// <summary>
/// Gathers <see cref="InstanceHealth"/>. Never throws for an unhealthy part: each part reports its own error, so
/// the admin page shows what is wrong instead of failing.
/// </summary>
public sealed class InstanceHealthService(
    IDbContextFactory<LabelLoopDbContext> contextFactory,
    JobStorage storage,
    IModelEngine engine,
    EngineOptions engineOptions,
    IOptions<JobsOptions> jobs,
    TimeProvider time)
{
    public async Task<InstanceHealth> CheckAsync(CancellationToken cancellationToken = default) =>
        new(await DatabaseAsync(cancellationToken), await SchedulerAsync(cancellationToken), await EngineAsync());

    private async Task<DatabaseHealth> DatabaseAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
            await db.Database.OpenConnectionAsync(cancellationToken);
            var clock = Stopwatch.StartNew();
            var sqlite = db.Database.IsSqlite();
            var server = sqlite
                ? await db.Database.SqlQuery<string>($"SELECT 'SQLite ' || sqlite_version() AS \"Value\"").SingleAsync(cancellationToken)
                : await db.Database.SqlQuery<string>($"SELECT version() AS \"Value\"").SingleAsync(cancellationToken);
            var roundTrip = clock.Elapsed.TotalMilliseconds;
            var size = sqlite
                ? await db.Database.SqlQuery<long>($"SELECT p.page_count * s.page_size AS \"Value\" FROM pragma_page_count() p, pragma_page_size() s").SingleAsync(cancellationToken)
                : await db.Database.SqlQuery<long>($"SELECT pg_database_size(current_database()) AS \"Value\"").SingleAsync(cancellationToken);
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).Count();
            return new DatabaseHealth(true, server, Math.Round(roundTrip, 2), size, pending, null);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or TimeoutException)
        {
            return new DatabaseHealth(false, null, 0, null, 0, ex.Message);
        }
    }

    private async Task<SchedulerHealth> SchedulerAsync(CancellationToken cancellationToken)
    {
        var runsHere = jobs.Value.Enabled;
        int queued = 0, running = 0, failed = 0;
        string? error = null;
        try
        {
            await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
            var now = time.GetUtcNow().UtcDateTime;
            var dayAgo = now.AddDays(-1);
            var counts = await db.JobRuns.AsNoTracking()
                .Where(j => j.Status == JobStatus.Queued || j.Status == JobStatus.Running || (j.Status == JobStatus.Failed && j.FinishedUtc >= dayAgo))
                .GroupBy(j => j.Status).Select(g => new { g.Key, Count = g.Count() })
                .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
            queued = counts.GetValueOrDefault(JobStatus.Queued);
            running = counts.GetValueOrDefault(JobStatus.Running);
            failed = counts.GetValueOrDefault(JobStatus.Failed);
        }
        catch (DbException ex)
        {
            error = ex.Message;
        }
        try
        {
            var monitoring = storage.GetMonitoringApi();
            var servers = monitoring.Servers();
            var now = time.GetUtcNow().UtcDateTime;
            // Hangfire counts a server dead after 5 minutes by default; say "silent" after a few missed heartbeats.
            var nodes = servers.OrderBy(s => s.Name, StringComparer.Ordinal)
                .Select(s => new SchedulerNode(s.Name, s.Heartbeat ?? s.StartedAt, now - (s.Heartbeat ?? s.StartedAt) <= TimeSpan.FromSeconds(90)))
                .ToList();
            var prefix = NodeName + ":";
            var mine = servers.Where(s => s.Name.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            var status = mine.Count > 0 ? "Running" : runsHere ? "Stopped" : "Standby";
            var succeeded = monitoring.GetStatistics().Succeeded;
            return new SchedulerHealth(runsHere, status, NodeName, storage is Hangfire.PostgreSql.PostgreSqlStorage,
                succeeded, mine.Count > 0 ? mine.Min(s => s.StartedAt) : null, nodes, queued, running, failed, error);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or TimeoutException)
        {
            return new SchedulerHealth(runsHere, "Unknown", NodeName, false, 0, null, [], queued, running, failed, ex.Message);
        }
    }

    private string NodeName => JobServers.NodeName(jobs.Value);

    private async Task<EngineHealth> EngineAsync()
    {
        // The first call loads libtorch and times a 512 x 512 matrix product (milliseconds with an optimised BLAS).
        var info = await Task.Run(() => engine.Info);
        var device = info.DescribeDevice(engineOptions.Device);
        string? warning = null;
        if (info.SlowBlas)
        {
            warning = string.Create(CultureInfo.InvariantCulture,
                $"Matrix products run at {info.BlasGflops:F1} GFLOP/s, below {EngineInfo.SlowBlasThresholdGflops} GFLOP/s: the CPU is very slow or shared with other busy processes, and training will be many times slower. Give the worker dedicated cores (Jobs:TorchThreads, Jobs:DedicatedWorker).");
        }
        else if (info.EngineAvailable && info.BlasGflops == 0)
        {
            warning = "The engine has not measured its matrix-product speed.";
        }
        return new EngineHealth(info.EngineAvailable, info.UnavailableReason, info.TorchVersion, info.Threads, info.BlasGflops,
            info.SlowBlas, device, warning);
    }
}
