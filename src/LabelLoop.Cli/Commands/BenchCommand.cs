using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Import;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Accounts;
using LabelLoop.Data.Import;
using LabelLoop.Data.Projects;
using Microsoft.Extensions.DependencyInjection;

namespace LabelLoop.Cli.Commands;

/// <summary>
/// Load generators for the figures in <c>bench/</c>. They talk to a running server over loopback only and stop
/// by themselves after a bounded time.
/// </summary>
public static partial class BenchCommand
{
    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "The running server (loopback)", DefaultValueFactory = _ => "http://127.0.0.1:5000" };
        var annotators = new Option<int>("--annotators") { Description = "Concurrent annotators", DefaultValueFactory = _ => 50 };
        var seconds = new Option<int>("--seconds") { Description = "Measured duration (after a 3-second warm-up)", DefaultValueFactory = _ => 30 };
        var items = new Option<int>("--items") { Description = "Text items in the bench project", DefaultValueFactory = _ => 200_000 };
        var workspace = new Command("workspace",
            "Label-and-next round trips through the labeling API (the answer, then the next lease) with N concurrent annotators: latency percentiles and durable labels per second")
        {
            url, annotators, seconds, items,
        };
        workspace.SetAction((parse, cancellationToken) => CliHost.RunAsync(parse, async services =>
        {
            var baseUri = new Uri(parse.GetValue(url)!);
            if (!IPAddress.TryParse(baseUri.Host, out var address) ? baseUri.Host != "localhost" : !IPAddress.IsLoopback(address))
            {
                await Console.Error.WriteLineAsync("error: the bench only targets servers on this machine (loopback)");
                return ExitCodes.InvalidInput;
            }
            var (projectId, users) = await PrepareAsync(services, parse.GetValue(items), parse.GetValue(annotators), cancellationToken);
            Console.WriteLine($"Project {projectId}: {parse.GetValue(items)} items, {users.Count} annotators; starting...");
            var sessions = await Task.WhenAll(users.Select(token => Session.StartAsync(baseUri, token, projectId, cancellationToken)));
            var result = await RunAsync(sessions, TimeSpan.FromSeconds(parse.GetValue(seconds)), cancellationToken);
            Console.WriteLine(result);
            return ExitCodes.Ok;
        }, cancellationToken));
        return new Command("bench", "Benchmarks (see bench/): against a running server, or of the engine alone") { workspace, PretrainBench.Create(), DecodeBench.Create(), EngineBench.Create(), TopicsBench.Create() };
    }

    private const string BenchPassword = "Bench-password-1";

    private static async Task<(int ProjectId, List<string> Tokens)> PrepareAsync(IServiceProvider services, int items, int annotators, CancellationToken cancellationToken)
    {
        var projects = services.GetRequiredService<ProjectService>();
        var users = services.GetRequiredService<UserService>();
        var tokens = services.GetRequiredService<ApiTokenService>();
        var projectId = await projects.CreateAsync(Caller.System, new ProjectInput($"bench-{Guid.NewGuid():N}"[..20], ProjectKind.Text,
            [new LabelSpec("yes"), new LabelSpec("no")]), cancellationToken);
        var jsonl = new StringBuilder();
        for (var i = 0; i < items; i++)
        {
            jsonl.Append(CultureInfo.InvariantCulture, $"{{\"id\":\"b{i}\",\"text\":\"bench item {i} of project {projectId}\"}}\n");
        }
        var bytes = Encoding.UTF8.GetBytes(jsonl.ToString());
        var report = await services.GetRequiredService<ImportService>().ImportAsync(projectId,
            new ImportListing([new ImportEntry("bench.jsonl", bytes.Length, () => new MemoryStream(bytes))], []), cancellationToken: cancellationToken);
        if (!report.Succeeded)
        {
            throw new InvalidOperationException(string.Join("; ", report.Errors));
        }
        var secrets = new List<string>();
        for (var i = 0; i < annotators; i++)
        {
            var id = await users.AddAsync($"bench-{projectId}-{i}@example.org", BenchPassword, Roles.Annotator);
            await projects.AddMemberAsync(Caller.System, projectId, id, cancellationToken);
            secrets.Add((await tokens.CreateAsync(Caller.System, id, "bench", [ApiScopes.Label], 1, cancellationToken)).Secret);
        }
        return (projectId, secrets);
    }

    private static async Task<string> RunAsync(Session[] sessions, TimeSpan duration, CancellationToken cancellationToken)
    {
        var warmUp = TimeSpan.FromSeconds(3);
        var clock = Stopwatch.StartNew();
        var latencies = new List<double>[sessions.Length];
        var errors = 0;
        await Task.WhenAll(sessions.Select(async (session, index) =>
        {
            var mine = latencies[index] = [];
            while (clock.Elapsed < warmUp + duration && !cancellationToken.IsCancellationRequested)
            {
                var start = Stopwatch.GetTimestamp();
                var ok = await session.LabelAndNextAsync(cancellationToken);
                var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (!ok)
                {
                    Interlocked.Increment(ref errors);
                }
                else if (clock.Elapsed > warmUp)
                {
                    mine.Add(ms);
                }
            }
        }));
        var all = latencies.SelectMany(l => l).Order().ToArray();
        double? P(double q) => all.Length == 0 ? null : Math.Round(all[Math.Min(all.Length - 1, (int)(q * all.Length))], 1);
        var throughput = all.Length / duration.TotalSeconds;
        return JsonSerializer.Serialize(new
        {
            annotators = sessions.Length,
            seconds = duration.TotalSeconds,
            labels = all.Length,
            labelsPerSecond = Math.Round(throughput, 1),
            p50Ms = P(0.50),
            p95Ms = P(0.95),
            p99Ms = P(0.99),
            errors,
            firstError = sessions.Select(s => s.FirstError).FirstOrDefault(e => e is not null),
        });
    }

    /// <summary>One annotator: a bearer token with the label scope, and the item it holds.</summary>
    private sealed class Session(HttpClient client, int projectId)
    {
        private long _itemId;

        /// <summary>The status and body of the first refused label, so a run where every label fails says why.</summary>
        public string? FirstError { get; private set; }

        public static async Task<Session> StartAsync(Uri baseUri, string token, int projectId, CancellationToken cancellationToken)
        {
            var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = baseUri };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var session = new Session(client, projectId);
            session._itemId = await session.NextAsync(cancellationToken) ?? throw new InvalidOperationException("the bench project served no item");
            return session;
        }

        /// <summary>Labels the item held (with an idempotency key, as the workspace does) and leases the next one.</summary>
        public async Task<bool> LabelAndNextAsync(CancellationToken cancellationToken)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/v1/projects/{projectId}/annotations", UriKind.Relative))
                {
                    Content = JsonContent.Create(new { itemId = _itemId, label = _itemId % 2 == 0 ? "yes" : "no", leadTimeSeconds = 1.0 }),
                };
                request.Headers.Add("Idempotency-Key", $"bench-{_itemId}");
                using var response = await client.SendAsync(request, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    FirstError ??= $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}";
                    return false;
                }
                _itemId = await NextAsync(cancellationToken) ?? 0;
                return _itemId > 0;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }

        private async Task<long?> NextAsync(CancellationToken cancellationToken)
        {
            using var response = await client.PostAsync(new Uri($"/api/v1/projects/{projectId}/next", UriKind.Relative), null, cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return null;
            }
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            return body.RootElement.GetProperty("itemId").GetInt64();
        }
    }
}
