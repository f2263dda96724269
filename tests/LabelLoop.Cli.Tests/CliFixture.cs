using System.Diagnostics;
using LabelLoop.Testing;
using Xunit;

namespace LabelLoop.Cli.Tests;

/// <summary>
/// Runs the built <c>labelloop</c> as a child process (its entry point is top-level statements) against a
/// migrated throwaway database and a temporary data folder, shared by one test class.
/// </summary>
public sealed class CliFixture : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private TempDatabase? _database;

    public TempDatabase Database => _database ?? throw new InvalidOperationException("The fixture is not initialized.");

    public TempDirectory DataDir { get; } = new();

    public async ValueTask InitializeAsync() => _database = await TempDatabase.CreateMigratedAsync();

    /// <summary>Runs <c>labelloop ARGS --db ... --data-dir ...</c> and waits for it to exit.</summary>
    public async Task<CliResult> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = DataDir.Path,
        };
        start.ArgumentList.Add(CliAssemblyPath);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        if (!args.Contains("--help") && !args.Contains("--version"))
        {
            if (!args.Contains("--db"))
            {
                start.ArgumentList.Add("--db");
                start.ArgumentList.Add(Database.ConnectionString);
            }
            start.ArgumentList.Add("--data-dir");
            start.ArgumentList.Add(Path.Combine(DataDir.Path, "data"));
        }
        // Plain output: no colours or live progress rendering in captured streams.
        start.Environment["NO_COLOR"] = "1";
        start.Environment["TERM"] = "dumb";
        start.Environment["DOTNET_NOLOGO"] = "1";

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"labelloop {string.Join(' ', args)} did not finish within {Timeout.TotalSeconds} s.");
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>
    /// The CLI's own build output (beside this test project's under <c>artifacts/bin</c>), whose deps and
    /// runtime config describe the CLI rather than the test host; the copy referenced into this folder otherwise.
    /// </summary>
    public static string CliAssemblyPath
    {
        get
        {
            var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var beside = Path.Combine(here.Parent!.Parent!.FullName, "LabelLoop.Cli", here.Name, "labelloop.dll");
            return File.Exists(beside) ? beside : Path.Combine(AppContext.BaseDirectory, "labelloop.dll");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
        DataDir.Dispose();
    }
}
