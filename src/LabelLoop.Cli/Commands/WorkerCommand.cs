using System.CommandLine;
using LabelLoop.Data;
using LabelLoop.Data.Providers;
using LabelLoop.Jobs;
using LabelLoop.Jobs.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LabelLoop.Cli.Commands;

/// <summary><c>labelloop worker</c>: runs jobs only (no HTTP), sharing the scheduler's store with every <c>serve</c>.</summary>
public static class WorkerCommand
{
    public static Command Create()
    {
        var command = new Command("worker", """
            Run background jobs (training, scoring) on the PostgreSQL database, without a web server: for GPU machines.
            Any number of workers and `serve` processes share the job store; a job of a worker that dies is re-run by
            another. On the embedded SQLite database `serve` runs the jobs and there are no workers. Settings come from the environment too (Jobs__MaxConcurrentMlJobs, Jobs__TorchThreads, Ml__Device).
            """);
        command.SetAction(async (parse, cancellationToken) =>
        {
            return await CliHost.GuardDatabaseAsync(async () =>
            {
                var builder = Host.CreateApplicationBuilder();
                builder.Configuration.AddInMemoryCollection(CommonOptions.ToConfiguration(parse));
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Jobs:Enabled"] = "true", ["Jobs:DedicatedWorker"] = "true" });
                // Workers share the job store, which only PostgreSQL holds: on SQLite, `serve` runs the jobs itself.
                if (DataServiceCollectionExtensions.ResolveDatabase(builder.Configuration).Provider != DatabaseProvider.Postgres)
                {
                    throw new DatabaseConfigurationException(
                        "`worker` needs a PostgreSQL database (--db Host=...;Database=...): on the embedded SQLite database `serve` runs the jobs itself.");
                }
                builder.Logging.AddFilter("Quartz", LogLevel.Warning);
                builder.AddLabelLoopData();
                builder.AddLabelLoopMl();
                builder.AddLabelLoopJobs();
                using var host = builder.Build();
                await host.StartAsync(cancellationToken);
                await Console.Out.WriteLineAsync($"worker {TrainingRunner.NodeName} is running jobs; Ctrl-C stops it (a running job is handed back).");
                await host.WaitForShutdownAsync(cancellationToken);
                return ExitCodes.Ok;
            });
        });
        return command;
    }
}
