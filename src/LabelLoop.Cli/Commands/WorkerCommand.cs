using System.CommandLine;
using LabelLoop.Data;
using LabelLoop.Data.Providers;
using LabelLoop.Jobs;
using LabelLoop.Jobs.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace LabelLoop.Cli.Commands;

/// <summary><c>labelloop worker</c>: runs jobs only (no HTTP), sharing Hangfire's storage with every <c>serve</c>.</summary>
public static class WorkerCommand
{
    public static Command Create()
    {
        var command = new Command("worker", """
            Run background jobs (training, scoring, imports, exports) on the PostgreSQL database, without a web server:
            for GPU machines. Any number of workers and `serve` processes share Hangfire's storage; a job of a worker that
            dies is run again by another. On the embedded SQLite database `serve` runs the jobs and there are no workers.
            Settings come from the environment too (Jobs__MaxConcurrentMlJobs, Jobs__TorchThreads, Ml__Device).
            """);
        var queues = new Option<string>("--queues")
        {
            Description = "Queues to serve, comma-separated: ml (training, pretraining, simulation), default (import, export); both unless set",
        };
        command.Options.Add(queues);
        command.SetAction(async (parse, cancellationToken) =>
        {
            IReadOnlyList<string> served;
            try
            {
                served = JobQueues.Parse(parse.GetValue(queues));
            }
            catch (ArgumentException ex)
            {
                await Console.Error.WriteLineAsync($"error: --queues: {ex.Message}");
                return ExitCodes.InvalidInput;
            }
            return await CliHost.GuardDatabaseAsync(async () =>
            {
                var builder = Host.CreateApplicationBuilder();
                builder.Configuration.AddInMemoryCollection(CommonOptions.ToConfiguration(parse));
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Jobs:Enabled"] = "true",
                    ["Jobs:DedicatedWorker"] = "true",
                    ["Jobs:Queues"] = string.Join(',', served),
                });
                // Workers share the job store, which only PostgreSQL holds: on SQLite, `serve` runs the jobs itself.
                if (DataServiceCollectionExtensions.ResolveDatabase(builder.Configuration).Provider != DatabaseProvider.Postgres)
                {
                    throw new DatabaseConfigurationException(
                        "`worker` needs a PostgreSQL database (--db Host=...;Database=...): on the embedded SQLite database `serve` runs the jobs itself.");
                }
                builder.AddLabelLoopData();
                builder.AddLabelLoopMl();
                builder.AddLabelLoopJobs();
                using var host = builder.Build();
                await host.StartAsync(cancellationToken);
                await Console.Out.WriteLineAsync($"worker {TrainingRunner.NodeName} is running jobs from the {string.Join(" and ", served)} queue(s); Ctrl-C stops it (a running job is handed back).");
                await host.WaitForShutdownAsync(cancellationToken);
                return ExitCodes.Ok;
            });
        });
        return command;
    }
}
