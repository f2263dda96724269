using System.CommandLine;
using LabelLoop.Cli;
using LabelLoop.Cli.Commands;

var root = new RootCommand("""
    LabelLoop: active-learning data labeling.

    Exit codes: 0 success; 1 invalid input (nothing was changed); 2 project, user or file not found;
    3 database or data directory unusable.
    """)
{
    CommonOptions.DataDir,
    CommonOptions.Db,
    CommonOptions.DbProvider,
    ServeCommand.Create(),
    WorkerCommand.Create(),
    UsersCommand.Create(),
    TokensCommand.Create(),
    ImportCommand.Create(),
    ExportCommand.Create(),
    SimulateCommand.Create(),
    SamplesCommand.Create(),
    BenchCommand.Create(),
};
root.Options.OfType<VersionOption>().Single().Action = new VersionAction();
InputPolicy.Apply(root);
return await root.Parse(args).InvokeAsync();
