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
using Hangfire;
using Hangfire.Common;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Storage.SQLite;

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
    /// Hangfire (its storage, client and filters), the job queue, the runners, the loop's trigger and the webhook
    /// sender's wake-up, and, where <c>Jobs:Enabled</c> (the default), this node's Hangfire servers. Hangfire's storage follows the database: a SQLite
    /// file beside the embedded database (one node), or its own <c>hangfire</c> schema in PostgreSQL, which every
    /// node shares: a node with jobs off still enqueues, and a node that runs them picks them up.
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
        builder.Services.AddSingleton<LoopTrigger>();
        builder.Services.AddSingleton<ExportRunner>();
        builder.Services.AddSingleton<ExportQueue>();
        builder.Services.Configure<WebhookOptions>(builder.Configuration.GetSection("Webhooks"));
        builder.Services.AddSingleton<WebhookDispatcher>();
        builder.Services.AddSingleton<InstanceHealthService>();

        // The loop's check runs on every label: keep its queries out of an Information-level log.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.Warning);
        builder.Logging.AddFilter("Hangfire", LogLevel.Warning);

        // Hangfire without its static configuration: each host (several share a test process) has its own storage.
        builder.Services.AddSingleton(_ => JobStorageFor(database, settings));
        builder.Services.AddSingleton(_ => JobFiltersFor(settings));
        builder.Services.AddSingleton<IBackgroundJobClient>(sp => new BackgroundJobClient(sp.GetRequiredService<JobStorage>(), sp.GetRequiredService<IJobFilterProvider>()));
        builder.Services.AddSingleton<IRecurringJobManager>(sp => new RecurringJobManager(sp.GetRequiredService<JobStorage>(), sp.GetRequiredService<IJobFilterProvider>()));
        // The dashboard (mapped by the web) asks for these: the first to know Hangfire was set up (nothing reads its
        // static storage or filters), the second for its pages.
        builder.Services.AddSingleton(_ => GlobalConfiguration.Configuration);
        builder.Services.AddSingleton(_ => Hangfire.Dashboard.DashboardRoutes.Routes);
        builder.Services.AddTransient<JobRunJob>();
        builder.Services.AddTransient<JobRunRecovery>();

        // Every node wakes the loop and the webhook sender when its own commits call for them: a web-only node
        // enqueues, and a node that runs jobs picks them up.
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LoopTrigger>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        if (settings.Enabled)
        {
            builder.Services.AddHostedService<JobServers>();
        }
        return builder;
    }

    /// <summary>The Hangfire file beside an embedded database: <c>labelloop.db</c> keeps its jobs in <c>labelloop-jobs.db</c>.</summary>
    public static string JobsFileFor(string databaseFile) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(databaseFile)) ?? ".", Path.GetFileNameWithoutExtension(databaseFile) + "-jobs.db");

    /// <summary>Hangfire's storage for the database LabelLoop runs on (see <see cref="AddLabelLoopJobs"/>).</summary>
    public static JobStorage JobStorageFor(DatabaseSettings database, JobsOptions settings)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(settings);
        var poll = TimeSpan.FromMilliseconds(Math.Max(100, settings.QueuePollMilliseconds));
        var invisible = TimeSpan.FromSeconds(Math.Max(5, settings.InvisibilityTimeoutSeconds));
        if (database.Provider == DatabaseProvider.Sqlite)
        {
            var file = JobsFileFor(database.SqliteFile!);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            return new SQLiteStorage(file, new SQLiteStorageOptions { QueuePollInterval = poll, InvisibilityTimeout = invisible });
        }
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = "hangfire",
            QueuePollInterval = poll,
            InvisibilityTimeout = invisible,
            // A running job's node keeps its job invisible to others; only a dead node's job is fetched again.
            UseSlidingInvisibilityTimeout = true,
            PrepareSchemaIfNecessary = true,
        };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(database.ConnectionString, options), options);
    }

    /// <summary>
    /// Hangfire's default filters with our retry policy in place of its own: transient failures are retried
    /// <see cref="JobsOptions.MaxRetries"/> times, waiting <see cref="JobsOptions.RetryDelaySeconds"/> and twice as
    /// long each time; then the job fails (the runner has already failed the run with its message).
    /// </summary>
    public static IJobFilterProvider JobFiltersFor(JobsOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var filters = new JobFilterCollection();
        foreach (var filter in GlobalJobFilters.Filters.Where(f => f.Instance is not AutomaticRetryAttribute))
        {
            filters.Add(filter.Instance, filter.Order);
        }
        filters.Add(new AutomaticRetryAttribute
        {
            Attempts = Math.Max(0, settings.MaxRetries),
            DelayInSecondsByAttemptFunc = attempt => (int)Math.Ceiling(settings.RetryDelaySeconds * Math.Pow(2, Math.Max(0, attempt - 1))),
            OnAttemptsExceeded = AttemptsExceededAction.Fail,
        });
        return new JobFilterProviderCollection(new JobFilterAttributeFilterProvider(), filters);
    }
}
