using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
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
            "Label-and-next round trips through the workspace endpoint with N concurrent annotators: latency percentiles and durable labels per second")
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
            Console.WriteLine($"Project {projectId}: {parse.GetValue(items)} items, {users.Count} annotators; logging in...");
            var sessions = await Task.WhenAll(users.Select(u => Session.LogInAsync(baseUri, u, projectId, cancellationToken)));
            var result = await RunAsync(sessions, TimeSpan.FromSeconds(parse.GetValue(seconds)), cancellationToken);
            Console.WriteLine(result);
            return ExitCodes.Ok;
        }, cancellationToken));
        return new Command("bench", "Benchmarks (see bench/): against a running server, or of the engine alone") { workspace, PretrainBench.Create(), DecodeBench.Create(), EngineBench.Create() };
    }

    private const string BenchPassword = "Bench-password-1";

    private static async Task<(int ProjectId, List<string> Emails)> PrepareAsync(IServiceProvider services, int items, int annotators, CancellationToken cancellationToken)
    {
        var projects = services.GetRequiredService<ProjectService>();
        var users = services.GetRequiredService<UserService>();
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
        var emails = new List<string>();
        for (var i = 0; i < annotators; i++)
        {
            var email = $"bench-{projectId}-{i}@example.org";
            var id = await users.AddAsync(email, BenchPassword, Roles.Annotator);
            await projects.AddMemberAsync(Caller.System, projectId, id, cancellationToken);
            emails.Add(email);
        }
        return (projectId, emails);
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
        double P(double q) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)(q * all.Length))];
        var throughput = all.Length / duration.TotalSeconds;
        return JsonSerializer.Serialize(new
        {
            annotators = sessions.Length,
            seconds = duration.TotalSeconds,
            labels = all.Length,
            labelsPerSecond = Math.Round(throughput, 1),
            p50Ms = Math.Round(P(0.50), 1),
            p95Ms = Math.Round(P(0.95), 1),
            p99Ms = Math.Round(P(0.99), 1),
            errors,
        });
    }

    /// <summary>One annotator: a cookie session, the antiforgery token, and the item on screen.</summary>
    private sealed partial class Session(HttpClient client, int projectId, string token, long itemId)
    {
        private long _itemId = itemId;

        public static async Task<Session> LogInAsync(Uri baseUri, string email, int projectId, CancellationToken cancellationToken)
        {
            var client = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = baseUri };
            var login = await client.GetStringAsync(new Uri("/login", UriKind.Relative), cancellationToken);
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["email"] = email,
                ["password"] = BenchPassword,
                ["_handler"] = "login",
                ["__RequestVerificationToken"] = Token(login),
            });
            using var response = await client.PostAsync(new Uri("/login", UriKind.Relative), form, cancellationToken);
            if (response.StatusCode != HttpStatusCode.Redirect)
            {
                var answer = await response.Content.ReadAsStringAsync(cancellationToken);
                var reason = AlertPattern().Match(answer) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value.Trim()) : "no message on the page";
                throw new InvalidOperationException($"login as {email} failed with {(int)response.StatusCode}: {reason}");
            }
            var page = await client.GetStringAsync(new Uri($"/projects/{projectId}/label", UriKind.Relative), cancellationToken);
            return new Session(client, projectId, Token(page), ItemId(page));
        }

        /// <summary>Labels the item on screen and reads the next one from the response, as the workspace does.</summary>
        public async Task<bool> LabelAndNextAsync(CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/projects/{projectId}/label/submit", UriKind.Relative))
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["__RequestVerificationToken"] = token,
                    ["itemId"] = _itemId.ToString(CultureInfo.InvariantCulture),
                    ["label"] = _itemId % 2 == 0 ? "yes" : "no",
                    ["key"] = $"ws-{_itemId}",
                    ["leadMs"] = "1000",
                }),
            };
            request.Headers.Add("HX-Request", "true");
            try
            {
                using var response = await client.SendAsync(request, cancellationToken);
                var html = await response.Content.ReadAsStringAsync(cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    return false;
                }
                _itemId = ItemId(html);
                return _itemId > 0;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }

        private static string Token(string html) => TokenPattern().Match(html).Groups[1].Value;

        private static long ItemId(string html) =>
            ItemPattern().Match(html) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;

        [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
        private static partial Regex TokenPattern();

        [GeneratedRegex("class=\"alert[^\"]*\"[^>]*>([^<]+)<")]
        private static partial Regex AlertPattern();

        [GeneratedRegex("name=\"itemId\" value=\"(\\d+)\"")]
        private static partial Regex ItemPattern();
    }
}
