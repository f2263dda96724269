using System.Globalization;
using LabelLoop.Core.Accounts;
using Microsoft.Playwright;
using Xunit;

namespace LabelLoop.E2E;

/// <summary>
/// Key press to next item painted in the workspace, measured in the page: <c>performance.now()</c> at keydown, and
/// again in a <c>requestAnimationFrame</c> after the card's <c>data-item-id</c> changed. Runs only with
/// <c>LABELLOOP_BENCH=1</c> (see <c>bench/workspace-browser.sh</c>); each result is one JSON line, appended to the file named by <c>BENCH_OUT</c>.
/// </summary>
public sealed class WorkspaceLatencyBench(E2EServer server) : IClassFixture<E2EServer>
{
    private const string Probe =
        """
        paint => {
          const b = window.__bench = { times: [], pending: null, waiters: [] };
          const record = t => {
            b.times.push(t);
            b.waiters = b.waiters.filter(w => b.times.length < w.n || (w.resolve(), false));
          };
          // Resolves once n times are recorded: the bench waits on this instead of polling the page.
          b.until = n => b.times.length >= n ? true : new Promise(resolve => b.waiters.push({ n, resolve: () => resolve(true) }));
          const shown = () => { const c = document.getElementById('workspace-item'); return c ? c.getAttribute('data-item-id') : null; };
          document.addEventListener('keydown', () => { b.pending = { t0: performance.now(), id: shown() }; }, true);
          new MutationObserver(() => {
            const p = b.pending;
            if (!p || shown() === p.id) return;
            b.pending = null;
            if (paint) requestAnimationFrame(() => record(performance.now() - p.t0));
            else record(performance.now() - p.t0);
          }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-item-id'] });
          return true;
        }
        """;

    private static bool Enabled => Environment.GetEnvironmentVariable("LABELLOOP_BENCH") == "1";

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out var value) ? value : fallback;

    /// <summary>One annotator labels <c>count</c> items, one key at a time, each after the previous item was painted.</summary>
    /// <remarks>
    /// With <paramref name="paint"/> false the time is taken when the new item is in the DOM: pages in background
    /// browser contexts get no animation frames, so concurrent sessions cannot wait for one.
    /// </remarks>
    private static async Task<List<double>> LabelAsync(IPage page, int count, bool paint = true)
    {
        await page.EvaluateAsync<bool>(Probe, paint);
        for (var i = 0; i < count; i++)
        {
            await page.Keyboard.PressAsync(((i % 3) + 1).ToString(CultureInfo.InvariantCulture));
            try
            {
                await page.EvaluateAsync<bool>("n => window.__bench.until(n)", i + 1).WaitAsync(TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException)
            {
                var state = await page.EvaluateAsync<string>("() => JSON.stringify({ times: window.__bench.times.length, pending: window.__bench.pending, card: document.getElementById('workspace-item')?.outerHTML.slice(0, 600), snacks: [...document.querySelectorAll('.mud-snackbar')].map(s => s.innerText) })");
                throw new TimeoutException($"key {i + 1}: {state}");
            }
        }
        return [.. await page.EvaluateAsync<double[]>("() => window.__bench.times")];
    }

    private async Task<IPage> OpenAsync(int project, string email)
    {
        var page = await server.LogInAsync(email);
        await page.GotoAsync($"/projects/{project}/label");
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await page.Keyboard.PressAsync("?");
        await Assertions.Expect(page.Locator("[data-testid=keys-help]")).ToBeVisibleAsync();
        return page;
    }

    /// <summary>Appends the result to the file named by <c>BENCH_OUT</c> (the test runner keeps standard output to itself).</summary>
    private static void Report(string line)
    {
        if (Environment.GetEnvironmentVariable("BENCH_OUT") is { Length: > 0 } path)
        {
            File.AppendAllText(path, line + Environment.NewLine);
        }
        TestContext.Current.TestOutputHelper?.WriteLine(line);
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static string Line(string name, int sessions, List<double> times, long? bytesPerCircuit) =>
        string.Create(CultureInfo.InvariantCulture,
            $$"""{"bench":"{{name}}","sessions":{{sessions}},"keys":{{times.Count}},"p50Ms":{{Percentile(times, 0.5):0.0}},"p95Ms":{{Percentile(times, 0.95):0.0}},"maxMs":{{times[^1]:0.0}}{{(bytesPerCircuit is { } b ? $",\"serverKiBPerCircuit\":{b / 1024}" : "")}}}""");

    [Fact]
    public async Task Key_to_next_item_painted_for_one_annotator()
    {
        Assert.SkipUnless(Enabled, "Set LABELLOOP_BENCH=1 to run the workspace bench.");
        var items = Setting("BENCH_ITEMS", 200);
        var (userId, email) = await server.CreateUserAsync(Roles.Annotator);
        var project = await server.CreateImageProjectAsync(items + 10, overlap: 1, userId);
        var page = await OpenAsync(project, email);

        var times = await LabelAsync(page, items);

        times.Sort();
        Report(Line("one-annotator", 1, times, null));
        Assert.Equal(items, times.Count);
    }

    [Fact]
    public async Task Key_to_next_item_painted_with_concurrent_annotators_and_memory_per_circuit()
    {
        Assert.SkipUnless(Enabled, "Set LABELLOOP_BENCH=1 to run the workspace bench.");
        var sessions = Setting("BENCH_SESSIONS", 5);
        var items = Setting("BENCH_ITEMS", 200) / 2;
        var users = new List<(string Id, string Email)>();
        for (var i = 0; i < sessions; i++)
        {
            users.Add(await server.CreateUserAsync(Roles.Annotator));
        }
        var project = await server.CreateImageProjectAsync(sessions * (items + 10), overlap: 1, [.. users.Select(u => u.Id)]);

        var before = ManagedBytes();
        var pages = new List<IPage>();
        foreach (var (_, email) in users)
        {
            pages.Add(await OpenAsync(project, email));
        }
        var perCircuit = (ManagedBytes() - before) / sessions;
        var times = (await Task.WhenAll(pages.Select(p => LabelAsync(p, items, paint: false)))).SelectMany(t => t).ToList();

        times.Sort();
        Report(Line("concurrent-key-to-dom", sessions, times, perCircuit));
        Assert.Equal(sessions * items, times.Count);
    }

    // The server runs in this process: the managed heap after a full collection, before and after the sessions opened.
    private static long ManagedBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
