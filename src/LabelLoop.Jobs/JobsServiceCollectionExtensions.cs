using LabelLoop.Core.Import;
using LabelLoop.Data;
using LabelLoop.Data.Providers;
using LabelLoop.Jobs.Export;
using LabelLoop.Jobs.Health;
using LabelLoop.Jobs.Import;
using LabelLoop.Jobs.Pretraining;
using LabelLoop.Jobs.Training;
using LabelLoop.Jobs.Webhooks;
using LabelLoop.Ml;
using LabelLoop.Ml.TorchSharp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace LabelLoop.Jobs;

public static class JobsServiceCollectionExtensions
{
    /// <summary>
    /// The model engine as a singleton, <see cref="TorchSharpEngine"/>: its CPU threads from <c>Jobs:TorchThreads</c> (see
    /// <see cref="JobsOptions.TorchThreads"/>), how its threads wait (spinning briefly on a dedicated worker) and its device from <c>Ml:Device</c> (auto, cpu, cuda). An engine
    /// registered before this call (a fake, in tests) is kept.
    /// </summary>
    public static IHostApplicationBuilder AddLabelLoopMl(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(EngineOptionsFrom(builder.Configuration));
        builder.Services.TryAddSingleton<IModelEngine>(sp => new TorchSharpEngine(
            sp.GetRequiredService<EngineOptions>(), sp.GetService<ILoggerFactory>()?.CreateLogger<TorchSharpEngine>()));
        // Imports decode every image with the decoder the engine uses.
        builder.Services.AddSingleton<IImageValidator>(sp => new DecodingImageValidator(
            new ImageHeaderValidator(sp.GetRequiredService<IOptions<ImportLimits>>().Value.MaxImageSide)));
        return builder;
    }

    /// <summary>The engine's settings from configuration: threads, device (<c>Ml:Device</c>) and <c>Jobs:DedicatedWorker</c>.</summary>
    public static EngineOptions EngineOptionsFrom(IConfiguration configuration) => new()
    {
        Threads = TorchThreads(configuration),
        Device = ModelDeviceParser.TryParse(configuration["Ml:Device"], out var device) ? device : ModelDevice.Auto,
        DedicatedCores = configuration.GetValue<bool?>("Jobs:DedicatedWorker") ?? false,
    };

    /// <summary>The libtorch thread count <see cref="JobsOptions.TorchThreads"/> asks for on this machine.</summary>
    public static int TorchThreads(IConfiguration configuration)
    {
        var threads = configuration.GetValue<int?>("Jobs:TorchThreads") ?? 0;
        if (threads > 0)
        {
            return threads;
        }
        var dedicated = configuration.GetValue<bool?>("Jobs:DedicatedWorker") ?? false;
        return dedicated ? Environment.ProcessorCount : Math.Max(1, Environment.ProcessorCount - 1);
    }

    /// <summary>
    /// Quartz, the job queue, the runners, and, where <c>Jobs:Enabled</c> (the default), the scheduler and the retrain
    /// loop. On PostgreSQL Quartz keeps its triggers in the project's database (persistent, clustered, tables created
    /// on first start), and a node with jobs off still enqueues: its triggers wait in the shared store for a node that
    /// runs them. On SQLite (one node) Quartz keeps them in memory and <see cref="JobRunRecovery"/> re-queues the
    /// unfinished JobRuns rows at start-up.
    /// </summary>
    public static IHostApplicationBuilder AddLabelLoopJobs(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Jobs");
        var settings = section.Get<JobsOptions>() ?? new JobsOptions();
        builder.Services.Configure<JobsOptions>(section);
        var database = DataServiceCollectionExtensions.ResolveDatabase(builder.Configuration);

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<DecodedImageCache>();
        builder.Services.AddSingleton<ImageColourResolver>();
        builder.Services.AddSingleton<TrainingRunner>();
        builder.Services.AddSingleton<PretrainRunner>();
        builder.Services.AddSingleton<ImportRunner>();
        builder.Services.AddSingleton<Simulation.SimulationRunner>();
        builder.Services.AddSingleton<JobQueue>();
        builder.Services.AddSingleton<RetrainWatcher>();
        builder.Services.AddSingleton<ExportRunner>();
        builder.Services.AddSingleton<ExportQueue>();
        builder.Services.Configure<WebhookOptions>(builder.Configuration.GetSection("Webhooks"));
        builder.Services.AddSingleton<WebhookDispatcher>();
        builder.Services.AddSingleton<InstanceHealthService>();

        // The retrain loop polls every second: keep its queries out of an Information-level log.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.Warning);

        builder.Services.AddQuartz(q =>
        {
            q.ConfigureScheduler(o =>
            {
                o.InstanceName = "labelloop";
                if (!string.IsNullOrWhiteSpace(settings.InstanceId))
                {
                    o.InstanceId = settings.InstanceId;
                }
                // Triggers stored by another node (a web node's "retrain now") are noticed within a second.
                o.IdleWaitTime = TimeSpan.FromSeconds(1);
                // Ctrl-C stops a training promptly; the store hands the firing back for recovery (below).
                o.ShutdownJobInterruption = ShutdownJobInterruption.WhenWaitingForJobs;
            });
            q.UseDefaultThreadPool(Math.Max(2, settings.MaxConcurrentMlJobs + 1));
            q.UseExecutionLimits(l => l.ForGroup(JobKeys.MlExecutionGroup, Math.Max(1, settings.MaxConcurrentMlJobs)));
            q.AddJobType<TrainAndScoreJob>();
            q.AddJobType<PretrainJob>();
            q.AddJobType<ImportJob>();
            q.AddJobType<ExportJob>();
            q.AddJobType<SimulateJob>();
            if (database.Provider == DatabaseProvider.Sqlite)
            {
                // One node on the embedded database: Quartz keeps its triggers in memory, and our JobRuns rows are the
                // durable record (JobRunRecovery queues unfinished runs again at start-up). Clustering needs PostgreSQL.
                q.UseInMemoryStore();
                return;
            }
            q.UsePersistentStore(store =>
            {
                store.UsePostgres(database.ConnectionString);
                store.UseClustering(c =>
                {
                    c.CheckinInterval = TimeSpan.FromSeconds(settings.CheckinIntervalSeconds);
                    c.CheckinMisfireThreshold = TimeSpan.FromSeconds(settings.CheckinMisfireSeconds);
                });
                store.UseSystemTextJsonSerializer();
                store.ProvisionSchema();
                // A job stopped by a shutdown runs again (here on restart, or on another node) instead of ending cancelled.
                store.ConfigureStore(o => o.RecoverFiringsCancelledByShutdown = true);
            });
        });

        if (settings.Enabled)
        {
            if (database.Provider == DatabaseProvider.Sqlite)
            {
                builder.Services.AddHostedService<JobRunRecovery>();
            }
            builder.Services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
            builder.Services.AddHostedService(sp => sp.GetRequiredService<RetrainWatcher>());
            builder.Services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        }
        return builder;
    }
}
