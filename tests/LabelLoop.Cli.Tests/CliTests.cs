using System.Text.Json;
using LabelLoop.Core.Accounts;
using LabelLoop.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Cli.Tests;

public sealed class CliTests(CliFixture cli) : IClassFixture<CliFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private static TempDirectory GoodImageFolder()
    {
        var dir = new TempDirectory();
        dir.Write("cat/a.png", TestImages.Png(1));
        dir.Write("cat/b.png", TestImages.Png(2));
        dir.Write("dog/c.png", TestImages.Png(3));
        return dir;
    }

    private async Task<int> CountItemsAsync(string projectName)
    {
        await using var db = cli.Database.CreateContext();
        return await db.Items.CountAsync(i => db.Projects.Any(p => p.Id == i.ProjectId && p.Name == projectName), Cancel);
    }

    [Fact]
    public async Task Help_lists_the_commands_and_exit_codes()
    {
        var result = await cli.RunAsync("--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var command in new[] { "serve", "users", "import", "export", "samples", "--db", "--data-dir" })
        {
            Assert.Contains(command, result.Stdout, StringComparison.Ordinal);
        }
        Assert.Contains("Exit codes", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_reports_the_engine_its_libtorch_device_and_threads()
    {
        var result = await cli.RunAsync("--version");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("labelloop ", lines[0], StringComparison.Ordinal);
        Assert.Matches(@"^model engine: TorchSharp 0\.107\.\d+, libtorch 2\.[\d.]+; device: (CPU, \d+ threads?|CUDA .*; \d+ CPU threads)", lines[1]);
    }

    [Fact]
    public async Task Users_add_creates_an_account_with_its_role()
    {
        var email = $"cli-{Guid.NewGuid():N}@example.org";

        var result = await cli.RunAsync("users", "add", "--email", email, "--password", "Str0ng-enough", "--role", Roles.Reviewer);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"Created reviewer {email}", result.Stdout, StringComparison.Ordinal);
        await using var db = cli.Database.CreateContext();
        var user = await db.Users.SingleAsync(u => u.Email == email, Cancel);
        var roles = await db.UserRoles.Where(r => r.UserId == user.Id)
            .Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name)
            .ToListAsync(Cancel);
        Assert.Equal([Roles.Reviewer], roles);
        Assert.Equal(PasswordVerificationResult.Success, new PasswordHasher<Data.Accounts.LabelLoopUser>().VerifyHashedPassword(user, user.PasswordHash!, "Str0ng-enough"));
    }

    [Fact]
    public async Task Tokens_create_prints_the_secret_alone_on_the_last_line_and_stores_only_its_hash()
    {
        var email = $"token-{Guid.NewGuid():N}@example.org";
        Assert.Equal(0, (await cli.RunAsync("users", "add", "--email", email, "--password", "Str0ng-enough")).ExitCode);

        var result = await cli.RunAsync("tokens", "create", "--email", email, "--scopes", "label,read", "--expires-days", "30");

        Assert.True(result.ExitCode == 0, result.ToString());
        var secret = result.Stdout.TrimEnd().Split('\n')[^1].Trim();
        Assert.StartsWith(Data.Accounts.ApiTokenService.SecretPrefix, secret, StringComparison.Ordinal);
        await using var db = cli.Database.CreateContext();
        var token = await db.ApiTokens.SingleAsync(t => t.TokenHash == Data.Accounts.ApiTokenService.Hash(secret), Cancel);
        Assert.Equal("read,label", token.Scopes);
        Assert.NotNull(token.ExpiresUtc);
        Assert.DoesNotContain(secret, await db.ApiTokens.Select(t => t.TokenHash + t.Prefix).ToListAsync(Cancel));
    }

    [Fact]
    public async Task Tokens_create_with_an_unknown_scope_or_user_fails_and_stores_nothing()
    {
        var badScope = await cli.RunAsync("tokens", "create", "--email", $"nobody-{Guid.NewGuid():N}@example.org", "--scopes", "read,root");
        var noUser = await cli.RunAsync("tokens", "create", "--email", $"nobody-{Guid.NewGuid():N}@example.org", "--scopes", "read");

        Assert.True(badScope.ExitCode == ExitCodes.InvalidInput, badScope.ToString());
        Assert.Contains("'root'", badScope.Stderr, StringComparison.Ordinal);
        Assert.True(noUser.ExitCode == ExitCodes.NotFound, noUser.ToString());
    }

    [Fact]
    public async Task Users_add_with_a_weak_password_is_invalid_input()
    {
        var result = await cli.RunAsync("users", "add", "--email", $"weak-{Guid.NewGuid():N}@example.org", "--password", "weak");

        Assert.True(result.ExitCode == ExitCodes.InvalidInput, result.ToString());
        Assert.StartsWith("error: password:", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Importing_a_good_folder_prints_the_count_and_reimporting_adds_nothing()
    {
        var name = UniqueName("cli-images");
        using var folder = GoodImageFolder();

        var first = await cli.RunAsync("import", "--project", name, "--kind", "image", "--source", folder.Path);
        var second = await cli.RunAsync("import", "--project", name, "--kind", "image", "--source", folder.Path);

        Assert.True(first.ExitCode == ExitCodes.Ok, first.ToString());
        Assert.Contains($"Imported 3 item(s) into '{name}'; 0 already present.", first.Stdout, StringComparison.Ordinal);
        Assert.Contains("New labels: cat, dog", first.Stdout, StringComparison.Ordinal);
        Assert.True(second.ExitCode == ExitCodes.Ok, second.ToString());
        Assert.Contains($"Imported 0 item(s) into '{name}'; 3 already present.", second.Stdout, StringComparison.Ordinal);
        Assert.Equal(3, await CountItemsAsync(name));
        Assert.Equal(3, Directory.GetFiles(Path.Combine(cli.DataDir.Path, "data", "blobs"), "*", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public async Task Importing_a_bad_folder_lists_every_problem_and_imports_nothing()
    {
        var name = UniqueName("cli-bad");
        using var folder = GoodImageFolder();
        folder.Write("cat/broken.png", TestImages.CorruptPng(9));
        folder.WriteText("dog/notes.txt", "not an image");

        var result = await cli.RunAsync("import", "--project", name, "--kind", "image", "--source", folder.Path);

        Assert.True(result.ExitCode == ExitCodes.InvalidInput, result.ToString());
        Assert.Contains("Nothing was imported: 2 problem(s):", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("  cat/broken.png: PNG chunk 'IDAT' has a bad CRC", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("  dog/notes.txt: unsupported file type '.txt'", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, await CountItemsAsync(name));
        await using var db = cli.Database.CreateContext();
        Assert.False(await db.Projects.AnyAsync(p => p.Name == name, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Importing_a_missing_path_is_not_found_and_creates_nothing()
    {
        var name = UniqueName("cli-missing");

        var result = await cli.RunAsync("import", "--project", name, "--kind", "image", "--source", Path.Combine(cli.DataDir.Path, "no-such-folder"));

        Assert.True(result.ExitCode == ExitCodes.NotFound, result.ToString());
        Assert.Contains("no-such-folder", result.Stderr, StringComparison.Ordinal);
        await using var db = cli.Database.CreateContext();
        Assert.False(await db.Projects.AnyAsync(p => p.Name == name, Cancel));
    }

    [Fact]
    public async Task Importing_into_a_project_of_the_other_kind_is_invalid_input()
    {
        var name = UniqueName("cli-kind");
        using var folder = GoodImageFolder();
        await cli.RunAsync("import", "--project", name, "--kind", "image", "--source", folder.Path);
        var jsonl = folder.WriteText("texts.jsonl", "{\"text\":\"hello there\"}\n");

        var result = await cli.RunAsync("import", "--project", name, "--kind", "text", "--source", jsonl);

        Assert.True(result.ExitCode == ExitCodes.InvalidInput, result.ToString());
        Assert.Contains("holds image items, not text", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_jsonl_writes_one_line_per_item()
    {
        var name = UniqueName("cli-export");
        using var work = new TempDirectory();
        var source = work.WriteText("in.jsonl", "{\"id\":\"a\",\"text\":\"first\",\"label\":\"x\"}\n{\"id\":\"b\",\"text\":\"second\"}\n{\"id\":\"c\",\"text\":\"third\"}\n");
        var import = await cli.RunAsync("import", "--project", name, "--kind", "text", "--source", source);
        Assert.True(import.ExitCode == ExitCodes.Ok, import.ToString());
        var output = Path.Combine(work.Path, "out", "export.jsonl");

        var result = await cli.RunAsync("export", "--project", name, "--format", "jsonl", "--out", output);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Contains($"Exported 3 item(s) to {output}", result.Stdout, StringComparison.Ordinal);
        var lines = await File.ReadAllLinesAsync(output, Cancel);
        Assert.Equal(3, lines.Length);
        var parsed = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["a", "b", "c"], parsed.Select(e => e.GetProperty("externalId").GetString()));
        Assert.Equal(["first", "second", "third"], parsed.Select(e => e.GetProperty("text").GetString()));
        Assert.All(parsed, e => Assert.Equal("unlabeled", e.GetProperty("status").GetString()));
        Assert.False(File.Exists(output + ".partial"));
    }

    [Fact]
    public async Task Export_csv_writes_a_header_and_one_row_per_item()
    {
        var name = UniqueName("cli-csv");
        using var work = new TempDirectory();
        var source = work.WriteText("in.csv", "text,label\n\"Hello, world\",greeting\nplain,\n");
        Assert.Equal(ExitCodes.Ok, (await cli.RunAsync("import", "--project", name, "--kind", "text", "--source", source)).ExitCode);
        var output = Path.Combine(work.Path, "export.csv");

        var result = await cli.RunAsync("export", "--project", name, "--format", "csv", "--out", output);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        var rows = Core.Import.CsvReader.ReadRows(await File.ReadAllTextAsync(output, Cancel));
        Assert.Equal(3, rows.Count);
        Assert.Equal(["Hello, world", "plain"], rows.Skip(1).Select(r => r.Fields[2]));
    }

    [Fact]
    public async Task Export_help_names_the_formats_and_the_filters()
    {
        var result = await cli.RunAsync("export", "--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var word in new[] { "jsonl", "csv", "zip", "--labeled-only", "--label", "--since", "--until", "--out" })
        {
            Assert.Contains(word, result.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Export_filters_select_items_print_the_checksum_and_bad_dates_are_invalid_input()
    {
        var name = UniqueName("cli-filter");
        using var work = new TempDirectory();
        var source = work.WriteText("in.jsonl", "{\"id\":\"a\",\"text\":\"first\"}\n{\"id\":\"b\",\"text\":\"second\"}\n");
        Assert.Equal(ExitCodes.Ok, (await cli.RunAsync("import", "--project", name, "--kind", "text", "--source", source)).ExitCode);
        var output = Path.Combine(work.Path, "labeled.jsonl");

        var labeled = await cli.RunAsync("export", "--project", name, "--labeled-only", "--since", "2026-01-01", "--out", output);
        var badDate = await cli.RunAsync("export", "--project", name, "--since", "last tuesday", "--out", output);
        var zipOfText = await cli.RunAsync("export", "--project", name, "--format", "zip", "--out", Path.Combine(work.Path, "x.zip"));

        Assert.True(labeled.ExitCode == ExitCodes.Ok, labeled.ToString());
        Assert.Contains("Exported 0 item(s)", labeled.Stdout, StringComparison.Ordinal);
        Assert.Contains("0 bytes, SHA-256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", labeled.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, new FileInfo(output).Length);
        Assert.True(badDate.ExitCode == ExitCodes.InvalidInput, badDate.ToString());
        Assert.Contains("--since", badDate.Stderr, StringComparison.Ordinal);
        Assert.True(zipOfText.ExitCode == ExitCodes.InvalidInput, zipOfText.ToString());
        Assert.False(File.Exists(Path.Combine(work.Path, "x.zip")));
        Assert.Empty(Directory.GetFiles(work.Path, "*.partial"));
    }

    [Fact]
    public async Task Exporting_an_unknown_project_is_not_found()
    {
        using var work = new TempDirectory();

        var result = await cli.RunAsync("export", "--project", UniqueName("nope"), "--out", Path.Combine(work.Path, "x.jsonl"));

        Assert.True(result.ExitCode == ExitCodes.NotFound, result.ToString());
        Assert.StartsWith("error: No project is named", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_database_is_an_environment_error()
    {
        var result = await cli.RunAsync("export", "--project", "any", "--out", "x.jsonl", "--db", "Host=/nonexistent-socket-dir;Database=x;Timeout=2");

        Assert.True(result.ExitCode == ExitCodes.Environment, result.ToString());
        Assert.StartsWith("error: cannot use the database", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_refuses_a_file_past_the_label_limit_and_reports_duplicate_lines()
    {
        var name = UniqueName("cli-labels");
        using var work = new TempDirectory();
        var many = work.WriteText("many.jsonl", string.Concat(Enumerable.Range(0, 10_000).Select(i => $"{{\"text\":\"text {i}\",\"label\":\"c{i}\"}}\n")));
        var same = work.WriteText("same.jsonl", string.Concat(Enumerable.Repeat("{\"text\":\"over and over\"}\n", 22_528)));

        var refused = await cli.RunAsync("import", "--project", name, "--kind", "text", "--source", many);
        var repeated = await cli.RunAsync("import", "--project", name, "--kind", "text", "--source", same);

        Assert.True(refused.ExitCode == ExitCodes.InvalidInput, refused.ToString());
        Assert.Contains("10000 new label(s); with the project's 0 that makes 10000, over the limit of 200 labels per project", refused.Stderr, StringComparison.Ordinal);
        Assert.True(repeated.ExitCode == ExitCodes.Ok, repeated.ToString());
        Assert.Contains($"Imported 1 item(s) into '{name}'; 0 already present.", repeated.Stdout, StringComparison.Ordinal);
        Assert.Contains("Skipped 22527 duplicate(s)", repeated.Stdout, StringComparison.Ordinal);
        await using var db = cli.Database.CreateContext();
        Assert.Equal(0, await db.LabelClasses.CountAsync(l => db.Projects.Any(p => p.Id == l.ProjectId && p.Name == name), Cancel));
    }

    [Fact]
    public async Task Import_refuses_a_nul_in_a_line_by_line_and_field_and_stores_nothing()
    {
        var name = UniqueName("cli-nul");
        using var work = new TempDirectory();
        var jsonl = work.WriteText("nul.jsonl", "{\"text\":\"fine\"}\n{\"text\":\"a\\u0000b\"}\n");
        var csv = work.WriteText("nul.csv", "id,text\none,fine\n\"tw\0o\",two\n");

        var fromJsonl = await cli.RunAsync("import", "--project", name, "--kind", "text", "--source", jsonl);
        var fromCsv = await cli.RunAsync("import", "--project", name, "--kind", "text", "--source", csv);

        Assert.True(fromJsonl.ExitCode == ExitCodes.InvalidInput, fromJsonl.ToString());
        Assert.Contains("  nul.jsonl:2: field \"text\" contains the NUL character (U+0000)", fromJsonl.Stderr, StringComparison.Ordinal);
        Assert.True(fromCsv.ExitCode == ExitCodes.InvalidInput, fromCsv.ToString());
        Assert.Contains("  nul.csv:3: column \"id\" contains the NUL character (U+0000)", fromCsv.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, await CountItemsAsync(name));
    }
}
