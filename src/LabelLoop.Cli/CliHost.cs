using System.CommandLine;
using System.Data.Common;
using LabelLoop.Data;
using LabelLoop.Data.Providers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LabelLoop.Cli;

/// <summary>A short-lived host for one command: the data services, with the database migrated.</summary>
public static class CliHost
{
    public static async Task<IHost> StartAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(CommonOptions.ToConfiguration(parse));
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.AddLabelLoopData();
        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return host;
    }

    /// <summary>Runs a command body, mapping environment failures to exit code 3 with a readable message.</summary>
    public static async Task<int> RunAsync(ParseResult parse, Func<IServiceProvider, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await GuardDatabaseAsync(async () =>
            {
                using var host = await StartAsync(parse, cancellationToken);
                await using var scope = host.Services.CreateAsyncScope();
                var code = await body(scope.ServiceProvider);
                await host.StopAsync(CancellationToken.None);
                return code;
            });
        }
        catch (Core.NotFoundException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return ExitCodes.NotFound;
        }
        catch (Core.DomainValidationException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return ExitCodes.InvalidInput;
        }
    }

    /// <summary>
    /// Runs a command that opens the database, turning an unusable database (a bad <c>--db</c>, a read-only or corrupt
    /// SQLite file, an unreachable server, a schema from a newer version, a full disk) into its message on stderr and
    /// exit code 3.
    /// </summary>
    public static async Task<int> GuardDatabaseAsync(Func<Task<int>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return await body();
        }
        catch (DatabaseConfigurationException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return ExitCodes.Environment;
        }
        catch (DbException ex)
        {
            await Console.Error.WriteLineAsync($"error: cannot use the database ({ex.Message}).");
            return ExitCodes.Environment;
        }
    }
}
