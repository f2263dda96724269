namespace LabelLoop.Cli.Tests;

/// <summary>What one run of the <c>labelloop</c> command produced.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}
