using System.CommandLine;
using LabelLoop.Web;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace LabelLoop.Cli.Commands;

public static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = "Addresses to listen on", DefaultValueFactory = _ => "http://127.0.0.1:5000" };
        var noSample = new Option<bool>("--no-sample") { Description = "Do not import the Fashion-MNIST sample project into a fresh database" };
        var noJobs = new Option<bool>("--no-jobs") { Description = "Run no background jobs here (a web-only node); jobs are still queued for workers" };
        var command = new Command("serve", "Run the web server (pages, API) and background jobs on the database; on a fresh database, create the admin and the sample project")
        {
            urls,
            noSample,
            noJobs,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = CommonOptions.ToConfiguration(parse);
            settings["Seed:Sample"] = parse.GetValue(noSample) ? "false" : "true";
            settings["urls"] = parse.GetValue(urls);
            if (parse.GetValue(noJobs))
            {
                settings["Jobs:Enabled"] = "false";
            }
            return await CliHost.GuardDatabaseAsync(async () =>
            {
                var app = LabelLoopWebApplication.Create([], builder => builder.Configuration.AddInMemoryCollection(settings));
                await app.StartAsync(cancellationToken);
                await app.WaitForShutdownAsync(cancellationToken);
                return ExitCodes.Ok;
            });
        });
        return command;
    }
}
