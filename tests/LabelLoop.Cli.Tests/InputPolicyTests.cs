using LabelLoop.Testing;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Cli.Tests;

/// <summary>
/// A NUL character cannot come through the shell's argv, but it can through a response file (<c>labelloop @FILE</c>):
/// it is refused as invalid input naming the option, before anything reaches the database.
/// </summary>
public sealed class InputPolicyTests(CliFixture cli) : IClassFixture<CliFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<CliResult> RunWithResponseFileAsync(params string[] tokens)
    {
        var file = Path.Combine(cli.DataDir.Path, $"args-{Guid.NewGuid():N}.rsp");
        await File.WriteAllLinesAsync(file, tokens, Cancel);
        return await cli.RunAsync($"@{file}");
    }

    [Fact]
    public async Task A_nul_in_an_option_is_invalid_input_naming_the_option_and_changes_nothing()
    {
        await using var db = cli.Database.CreateContext();
        var usersBefore = await db.Users.CountAsync(Cancel);

        var user = await RunWithResponseFileAsync("users", "add", "--email", "nul\0@example.org", "--password", "Str0ng-enough");
        using var folder = new TempDirectory();
        folder.Write("items.jsonl", "{\"text\":\"hello\"}\n"u8.ToArray());
        var import = await RunWithResponseFileAsync("import", "--project", "na\0me", "--kind", "text", "--source", folder.Path);

        Assert.True(user.ExitCode == ExitCodes.InvalidInput, user.ToString());
        Assert.Contains("--email: Must not contain the NUL character (U+0000).", user.Stderr, StringComparison.Ordinal);
        Assert.True(import.ExitCode == ExitCodes.InvalidInput, import.ToString());
        Assert.Contains("--project: Must not contain the NUL character", import.Stderr, StringComparison.Ordinal);
        Assert.Equal(usersBefore, await db.Users.CountAsync(Cancel));
        Assert.False(await db.Projects.AnyAsync(p => p.Name.StartsWith("na"), Cancel));
    }
}
