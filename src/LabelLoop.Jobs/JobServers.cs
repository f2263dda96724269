using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LabelLoop.Jobs;

/// <summary>
/// This node's Hangfire servers, where <c>Jobs:Enabled</c>: one for the <c>ml</c> queue with
/// <see cref="JobsOptions.MaxConcurrentMlJobs"/> workers, one for the <c>default</c> queue, each only when
/// <see cref="JobsOptions.Queues"/> names it. Registers the recurring jobs on start, each every minute: run recovery
/// (<see cref="JobRunRecovery"/>), the learning loop's check (<see cref="LoopTrigger"/>) and the webhook send
/// (<see cref="Webhooks.WebhookDispatcher"/>). Stopping hands the
/// running jobs back: their cancellation token fires, the runners put the rows back to Queued, and the jobs run
/// again on the next node up.
/// </summary>
public sealed class JobServers(
    JobStorage storage,
    IJobFilterProvider filters,
    IServiceScopeFactory scopes,
    IRecurringJobManager recurring,
    IOptions<JobsOptions> options) : IHostedService, IDisposable
{
    private readonly List<BackgroundJobServer> _servers = [];

    /// <summary>How this node names its Hangfire servers (<c>NAME:ml</c>, <c>NAME:default</c>): <see cref="JobsOptions.InstanceId"/>, or the host name and process id.</summary>
    public static string NodeName(JobsOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return string.IsNullOrWhiteSpace(settings.InstanceId) ? Training.TrainingRunner.NodeName.Replace('/', ':') : settings.InstanceId;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var queues = JobQueues.Parse(settings.Queues);
        var name = NodeName(settings);
        var poll = TimeSpan.FromMilliseconds(Math.Max(100, settings.QueuePollMilliseconds));
        var activator = new AspNetCoreJobActivator(scopes);
        foreach (var queue in queues)
        {
            _servers.Add(new BackgroundJobServer(
                new BackgroundJobServerOptions
                {
                    ServerName = $"{name}:{queue}",
                    Queues = [queue],
                    WorkerCount = queue == JobQueues.Ml ? Math.Max(1, settings.MaxConcurrentMlJobs) : 2,
                    SchedulePollingInterval = poll,
                    // A cancel through the dashboard (delete) reaches a running job within a second.
                    CancellationCheckInterval = TimeSpan.FromSeconds(1),
                    FilterProvider = filters,
                    Activator = activator,
                },
                storage));
        }
        recurring.AddOrUpdate<JobRunRecovery>(
            JobRunRecovery.RecurringJobId, j => j.RecoverAsync(CancellationToken.None), Cron.Minutely());
        recurring.AddOrUpdate<LoopTrigger>(
            LoopTrigger.RecurringJobId, j => j.CheckAsync(CancellationToken.None), Cron.Minutely());
        recurring.AddOrUpdate<Webhooks.WebhookDispatcher>(
            Webhooks.WebhookDispatcher.RecurringJobId, j => j.SendDueAsync(CancellationToken.None), Cron.Minutely());
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var server in _servers)
        {
            server.SendStop();
        }
        await Task.WhenAll(_servers.Select(s => s.WaitForShutdownAsync(cancellationToken)));
    }

    public void Dispose()
    {
        foreach (var server in _servers)
        {
            server.Dispose();
        }
        _servers.Clear();
    }
}
