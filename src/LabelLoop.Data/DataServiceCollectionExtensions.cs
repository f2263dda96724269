using LabelLoop.Core.Import;
using LabelLoop.Data.Accounts;
using LabelLoop.Data.Annotations;
using LabelLoop.Data.Blobs;
using LabelLoop.Data.Export;
using LabelLoop.Data.Import;
using LabelLoop.Data.Items;
using LabelLoop.Data.Jobs;
using LabelLoop.Data.Models;
using LabelLoop.Data.Predictions;
using LabelLoop.Data.Projects;
using LabelLoop.Data.Providers;
using LabelLoop.Data.Webhooks;
using LabelLoop.Data.Stats;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace LabelLoop.Data;

public static class DataServiceCollectionExtensions
{
    /// <summary>
    /// The database a host's configuration names: <c>ConnectionStrings:LabelLoop</c> (a SQLite file or
    /// <c>Data Source=...</c>, or a PostgreSQL <c>Host=...</c> string), <c>Database:Provider</c> to force the provider,
    /// and by default the SQLite file <c>labelloop.db</c> under <c>DataDir</c>.
    /// </summary>
    public static DatabaseSettings ResolveDatabase(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return DatabaseSettings.Resolve(
            configuration.GetConnectionString("LabelLoop"), configuration[DatabaseSettings.ProviderKey], configuration["DataDir"] ?? "data");
    }

    /// <summary>
    /// Registers the database (see <see cref="ResolveDatabase"/>), the migrator, the blob store, Identity's stores and
    /// the feature services.
    /// </summary>
    public static IHostApplicationBuilder AddLabelLoopData(this IHostApplicationBuilder builder)
    {
        var database = ResolveDatabase(builder.Configuration);
        builder.Services.AddSingleton(database);
        // Pooled: services create a context per call, several per request on the labeling path, and a new context
        // builds its service scope each time (about a tenth of that path's CPU before pooling).
        builder.Services.TryAddSingleton<CommitSignals>();
        builder.Services.AddPooledDbContextFactory<LabelLoopDbContext>((sp, o) => LabelLoopDbContext.Configure(o, database)
            .AddInterceptors(new CommitSignalInterceptor(sp.GetRequiredService<CommitSignals>())));
        // Identity's stores take the context itself, per scope.
        builder.Services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<LabelLoopDbContext>>().CreateDbContext());

        var tempMaxAgeHours = builder.Configuration.GetValue<double?>("Storage:TempMaxAgeHours");
        builder.Services.Configure<LabelLoopStorageOptions>(o =>
        {
            o.DataDir = builder.Configuration["DataDir"] ?? "data";
            // Never under an hour: a shorter age could remove a running import's upload on another node.
            o.TempMaxAge = tempMaxAgeHours is { } hours ? TimeSpan.FromHours(Math.Max(1, hours)) : LabelLoopStorageOptions.DefaultTempMaxAge;
        });
        builder.Services.Configure<ImportLimits>(builder.Configuration.GetSection("Import"));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<DatabaseInitializer>();
        // Every host that uses the data folder (serve, worker, the CLI commands) clears what a killed one left there.
        builder.Services.AddSingleton<TempFileSweeper>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TempFileSweeper>());

        builder.Services
            .AddIdentityCore<LabelLoopUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = 8;
                o.Password.RequireNonAlphanumeric = false;
                // No lockout settings: Identity's lockout only holds disabled accounts (UserService.DisableAsync sets
                // a lockout end at the end of time). Failed passwords never count towards it; the web application's
                // SignInThrottle slows them down per e-mail address and per client address instead.
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<LabelLoopDbContext>();

        builder.Services.AddSingleton<BlobStore>();
        builder.Services.TryAddSingleton<IImageValidator>(sp => new ImageHeaderValidator(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ImportLimits>>().Value.MaxImageSide));
        builder.Services.AddScoped<UserService>();
        builder.Services.AddSingleton<ApiTokenService>();
        builder.Services.AddSingleton<ProjectService>();
        builder.Services.AddSingleton<ImportService>();
        builder.Services.AddSingleton<ExportService>();
        builder.Services.AddSingleton<ExportRunService>();
        builder.Services.AddSingleton<WebhookService>();
        var labelingSlots = builder.Configuration.GetValue(LabelingGate.ConfigurationKey, 0);
        // SQLite runs one writer at a time: more than one labeling transaction in flight would only wait in its busy
        // handler, so the node queues them here instead, in order and without polling.
        var defaultSlots = database.Provider == DatabaseProvider.Sqlite ? 1 : LabelingGate.DefaultSlots;
        builder.Services.AddSingleton(new LabelingGate(labelingSlots == 0 ? defaultSlots : labelingSlots));
        builder.Services.AddSingleton<ItemLeaseService>();
        builder.Services.AddSingleton<AnnotationService>();
        builder.Services.AddSingleton<JobRunService>();
        builder.Services.AddSingleton<ModelVersionService>();
        builder.Services.AddSingleton<EncoderVersionService>();
        builder.Services.AddSingleton<LoopSettingsService>();
        builder.Services.AddSingleton<ItemService>();
        builder.Services.AddSingleton<PredictionService>();
        builder.Services.AddSingleton<ProjectStatsService>();
        builder.Services.AddSingleton<ItemInspectionService>();
        return builder;
    }
}
