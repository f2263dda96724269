using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using LabelLoop.Data.Providers;
using LabelLoop.Testing;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Cli.Tests;

/// <summary>
/// <c>kill -9</c> of <c>labelloop serve</c> while annotators label through the API: every label the server acknowledged
/// (201) is in the database afterwards, on either provider (SQLite commits with <c>synchronous = FULL</c>).
/// </summary>
public sealed class ServerCrashTests(CliFixture cli) : IClassFixture<CliFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Every_acknowledged_label_survives_a_kill_of_the_server(DatabaseProvider provider)
    {
        await using var database = await TempDatabase.CreateAsync(provider);
        using var data = new TempDirectory();
        var email = $"crash-{Guid.NewGuid():N}@example.org";
        var project = $"crash-{Guid.NewGuid():N}";
        var source = Path.Combine(data.Path, "items.jsonl");
        await File.WriteAllLinesAsync(source, Enumerable.Range(0, 400).Select(k =>
            JsonSerializer.Serialize(new { id = $"t{k}", text = $"text number {k}", label = k % 2 == 0 ? "a" : "b" })), Cancel);
        await MustAsync(cli.RunAsync("users", "add", "--email", email, "--password", "Passw0rd-long", "--role", "admin", "--db", database.ConnectionString));
        await MustAsync(cli.RunAsync("import", "--project", project, "--kind", "text", "--source", source, "--db", database.ConnectionString));
        var token = (await MustAsync(cli.RunAsync("tokens", "create", "--email", email, "--scopes", "read,label", "--db", database.ConnectionString)))
            .Stdout.TrimEnd().Split('\n')[^1].Trim();

        var port = FreePort();
        using var server = StartServer(database.ConnectionString, Path.Combine(data.Path, "data"), port);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var projectId = await ProjectIdAsync(client, project);

        var acknowledged = new ConcurrentBag<long>();
        using var stop = new CancellationTokenSource();
        var annotators = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    using var next = await client.PostAsync($"/api/v1/projects/{projectId}/next", null, stop.Token);
                    if (next.StatusCode != HttpStatusCode.OK)
                    {
                        return;
                    }
                    var itemId = (await next.Content.ReadFromJsonAsync<JsonElement>(stop.Token)).GetProperty("itemId").GetInt64();
                    using var post = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/projects/{projectId}/annotations")
                    {
                        Content = JsonContent.Create(new { itemId, label = "a" }),
                    };
                    using var answer = await client.SendAsync(post, stop.Token);
                    if (answer.StatusCode == HttpStatusCode.Created)
                    {
                        acknowledged.Add((await answer.Content.ReadFromJsonAsync<JsonElement>(stop.Token)).GetProperty("id").GetInt64());
                    }
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
            {
                // The server is gone: what it acknowledged before is what counts.
            }
        }, Cancel)).ToList();

        var clock = Stopwatch.StartNew();
        while (acknowledged.Count < 10 && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(20, Cancel);
        }
        server.Kill();
        await server.WaitForExitAsync(Cancel);
        await stop.CancelAsync();
        await Task.WhenAll(annotators);

        Assert.True(acknowledged.Count >= 10, $"Only {acknowledged.Count} labels were acknowledged before the kill.");
        var ids = acknowledged.ToHashSet();
        await using var db = database.CreateContext();
        var stored = (await db.Annotations.Select(a => a.Id).ToListAsync(Cancel)).ToHashSet();
        Assert.Empty(ids.Except(stored));
    }

    private static async Task<CliResult> MustAsync(Task<CliResult> run)
    {
        var result = await run;
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Process StartServer(string db, string dataDir, int port)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { CliFixture.CliAssemblyPath, "serve", "--no-sample", "--no-jobs", "--urls", $"http://127.0.0.1:{port}", "--db", db, "--data-dir", dataDir })
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Api__RateLimit__PermitsPerMinute"] = "0";
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<int> ProjectIdAsync(HttpClient client, string name)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var projects = await client.GetFromJsonAsync<JsonElement>("/api/v1/projects", Cancel);
                var items = projects.ValueKind == JsonValueKind.Array ? projects : projects.GetProperty("items");
                return items.EnumerateArray().Single(p => p.GetProperty("name").GetString() == name).GetProperty("id").GetInt32();
            }
            catch (HttpRequestException) when (clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(250, Cancel);
            }
        }
    }
}
