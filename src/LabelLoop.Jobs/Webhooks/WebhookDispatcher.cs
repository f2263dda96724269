using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using LabelLoop.Core;
using LabelLoop.Core.Webhooks;
using LabelLoop.Data;
using LabelLoop.Data.Providers;
using Microsoft.EntityFrameworkCore;
using System.ComponentModel;
using Hangfire;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LabelLoop.Jobs.Webhooks;

/// <summary>
/// Sends the webhook outbox as Hangfire jobs on the <c>default</c> queue. A commit that wrote deliveries wakes it
/// (<see cref="CommitSignals.WebhooksWritten"/>): this node enqueues one <see cref="SendDueAsync"/> unless one it
/// enqueued is still waiting. The job claims due deliveries (<c>FOR UPDATE SKIP LOCKED</c> on PostgreSQL, so two
/// jobs or nodes never send one twice at once), POSTs each body signed with its webhook's secret, records the
/// attempt, and schedules a send for the time each failed attempt is due again. A recurring job every minute sends whatever a
/// lost wake-up or a stopped node left. A non-2xx answer, a timeout or a network error is retried with exponential
/// back-off until <see cref="WebhookOptions.MaxAttempts"/>; the attempts live on the delivery rows, so Hangfire's own
/// retry is off. Redirects are never followed: a 3xx is a failed attempt, so a receiver cannot bounce a delivery to
/// another host.
/// </summary>
public sealed class WebhookDispatcher : IHostedService, IDisposable
{
    private const int MaxErrorLength = 500;

    // A claimed delivery is hidden from other nodes this long; a node that dies mid-send leaves it for a retry then.
    private static readonly TimeSpan ClaimFor = TimeSpan.FromMinutes(2);

    /// <summary>The recurring send's id in Hangfire.</summary>
    public const string RecurringJobId = "send-webhooks";

    private readonly IDbContextFactory<LabelLoopDbContext> _contextFactory;
    private readonly IBackgroundJobClient? _jobs;
    private readonly JobStorage? _storage;
    private readonly CommitSignals? _signals;
    private readonly Lock _enqueueGate = new();
    private string? _waitingJobId;
    private readonly TimeProvider _time;
    private readonly WebhookOptions _options;
    private readonly ILogger<WebhookDispatcher> _logger;
    private readonly HttpClient _http;

    /// <summary>A dispatcher that sends when called (<see cref="DispatchDueAsync"/>); tests use it.</summary>
    public WebhookDispatcher(
        IDbContextFactory<LabelLoopDbContext> contextFactory, TimeProvider time, IOptions<WebhookOptions> options, ILogger<WebhookDispatcher> logger)
        : this(contextFactory, null, null, null, time, options, logger)
    {
    }

    /// <summary>The host's dispatcher: woken by <paramref name="signals"/>, sending through <paramref name="jobs"/>.</summary>
    [Microsoft.Extensions.DependencyInjection.ActivatorUtilitiesConstructor]
    public WebhookDispatcher(
        IDbContextFactory<LabelLoopDbContext> contextFactory, IBackgroundJobClient? jobs, JobStorage? storage, CommitSignals? signals, TimeProvider time,
        IOptions<WebhookOptions> options, ILogger<WebhookDispatcher> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _contextFactory = contextFactory;
        _jobs = jobs;
        _storage = storage;
        _signals = signals;
        _time = time;
        _options = options.Value;
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(Math.Max(1, _options.TimeoutSeconds)),
            ConnectCallback = _options.AllowPrivateNetworks ? null : ConnectToPublicAddressAsync,
        })
        {
            Timeout = TimeSpan.FromSeconds(Math.Max(1, _options.TimeoutSeconds)),
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("LabelLoop-Webhooks", "1"));
    }

    /// <summary>
    /// Resolves the host and connects only to a public address: the check runs on the address connected to, so a
    /// name that resolves to a private address (or changes to one after registration) is refused as well.
    /// </summary>
    private static async ValueTask<Stream> ConnectToPublicAddressAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = addresses.Where(a => !PrivateAddresses.IsPrivate(a)).ToArray();
        if (allowed.Length == 0)
        {
            throw new HttpRequestException(string.Create(CultureInfo.InvariantCulture,
                $"refused: {host} resolves only to private or loopback addresses ({string.Join(", ", addresses.Take(3))}); set Webhooks:AllowPrivateNetworks to allow them"));
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_signals is not null)
        {
            _signals.WebhooksWritten += Wake;
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (_signals is not null)
        {
            _signals.WebhooksWritten -= Wake;
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Enqueues a send, off the committing thread, unless the last one this node enqueued has not started yet (it
    /// will send what was just written too). A failure here loses nothing: the recurring send finds the rows.
    /// </summary>
    public void Wake()
    {
        if (_jobs is null)
        {
            return;
        }
        _ = Task.Run(() =>
        {
            try
            {
                lock (_enqueueGate)
                {
                    if (_waitingJobId is { } waiting && IsWaiting(waiting))
                    {
                        return;
                    }
                    _waitingJobId = _jobs.Enqueue<WebhookDispatcher>(d => d.SendDueAsync(CancellationToken.None));
                }
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Could not enqueue a webhook send; the minutely send will deliver");
            }
        });
    }

    private bool IsWaiting(string jobId)
    {
        if (_storage is null)
        {
            return false;
        }
        using var connection = _storage.GetConnection();
        return connection.GetStateData(jobId)?.Name == Hangfire.States.EnqueuedState.StateName;
    }

    /// <summary>
    /// The Hangfire job: sends every due delivery, in batches, and schedules one send for each retry time its failed
    /// attempts set (to the second), so every retry has a job waiting for it and nothing polls meanwhile.
    /// </summary>
    [Queue(JobQueues.Default)]
    [AutomaticRetry(Attempts = 0)]
    [DisplayName("Send due webhooks")]
    public async Task SendDueAsync(CancellationToken cancellationToken)
    {
        var retries = new SortedSet<DateTime>();
        while (await DispatchBatchAsync(retries, cancellationToken) >= _options.BatchSize)
        {
        }
        if (_jobs is null)
        {
            return;
        }
        var now = _time.GetUtcNow().UtcDateTime;
        foreach (var at in retries)
        {
            _jobs.Schedule<WebhookDispatcher>(d => d.SendDueAsync(CancellationToken.None), at - now);
        }
    }

    /// <summary>One pass: claims up to a batch of due deliveries and attempts each once. Returns how many it attempted.</summary>
    public Task<int> DispatchDueAsync(CancellationToken cancellationToken) => DispatchBatchAsync(null, cancellationToken);

    /// <summary><see cref="DispatchDueAsync"/>, adding to <paramref name="retries"/> when each failed attempt is tried again (to the second, rounded up).</summary>
    private async Task<int> DispatchBatchAsync(SortedSet<DateTime>? retries, CancellationToken cancellationToken)
    {
        var claimed = await ClaimAsync(cancellationToken);
        foreach (var delivery in claimed)
        {
            var outcome = await SendAsync(delivery, cancellationToken);
            if (await RecordAsync(delivery, outcome, cancellationToken) is { } retryAt)
            {
                retries?.Add(new DateTime((retryAt.Ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, DateTimeKind.Utc));
            }
        }
        return claimed.Count;
    }

    private sealed record Claimed(long Id, string Event, string PayloadJson, int Attempts, string Url, string Secret);

    private sealed record Outcome(bool Succeeded, int? StatusCode, string? Error);

    private async Task<List<Claimed>> ClaimAsync(CancellationToken cancellationToken)
    {
        await using var db = await _contextFactory.CreateDbContextAsync(cancellationToken);
        var now = _time.GetUtcNow().UtcDateTime;
        var until = now + ClaimFor;
        var pending = nameof(WebhookDeliveryStatus.Pending);
        var batch = Math.Max(1, _options.BatchSize);
        // Pushing NextAttemptUtc forward is the claim: other nodes' scans skip the rows until it passes.
        var claim = $$"""
            UPDATE "WebhookDeliveries" SET "NextAttemptUtc" = {0}
            WHERE "Id" IN (
                SELECT d."Id" FROM "WebhookDeliveries" d
                WHERE d."Status" = {1} AND d."NextAttemptUtc" <= {2}
                ORDER BY d."NextAttemptUtc", d."Id"
                LIMIT {3}{{DatabaseDialect.Of(db).ForUpdateSkipLocked("d")}})
            RETURNING "Id" AS "Value"
            """;
        var ids = await db.Database.SqlQueryRaw<long>(claim, until, pending, now, batch).ToListAsync(cancellationToken);
        if (ids.Count == 0)
        {
            return [];
        }
        return await db.WebhookDeliveries.AsNoTracking().Where(d => ids.Contains(d.Id))
            .Join(db.Webhooks.AsNoTracking(), d => d.WebhookId, w => w.Id, (d, w) => new { d.Id, d.Event, d.PayloadJson, d.Attempts, w.Url, w.Secret })
            .OrderBy(x => x.Id)
            .Select(x => new Claimed(x.Id, x.Event, x.PayloadJson, x.Attempts, x.Url, x.Secret))
            .ToListAsync(cancellationToken);
    }

    private async Task<Outcome> SendAsync(Claimed delivery, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(delivery.PayloadJson);
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(WebhookSignature.EventHeader, delivery.Event);
        request.Headers.Add(WebhookSignature.DeliveryHeader, delivery.Id.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(delivery.Secret, body));
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var code = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return new Outcome(true, code, null);
            }
            if (code is >= 300 and < 400)
            {
                var location = response.Headers.Location?.ToString() ?? "(no Location)";
                return new Outcome(false, code, $"Redirect to {location} not followed; register the final URL instead.");
            }
            return new Outcome(false, code, $"The receiver answered {code} {response.ReasonPhrase}.");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Outcome(false, null, $"No answer within {_options.TimeoutSeconds.ToString(CultureInfo.InvariantCulture)} s.");
        }
        catch (HttpRequestException ex)
        {
            return new Outcome(false, null, ex.Message);
        }
    }

    /// <summary>Stores the attempt; returns when the delivery is tried next, or null when it is finished.</summary>
    private async Task<DateTime?> RecordAsync(Claimed delivery, Outcome outcome, CancellationToken cancellationToken)
    {
        await using var db = await _contextFactory.CreateDbContextAsync(cancellationToken);
        var now = _time.GetUtcNow().UtcDateTime;
        var attempts = delivery.Attempts + 1;
        var status = outcome.Succeeded ? WebhookDeliveryStatus.Succeeded
            : attempts >= Math.Max(1, _options.MaxAttempts) ? WebhookDeliveryStatus.Failed
            : WebhookDeliveryStatus.Pending;
        var next = status == WebhookDeliveryStatus.Pending ? now + Backoff(attempts) : now;
        // The error quotes the receiver's answer (reason phrase, Location), which is not ours to trust.
        var error = outcome.Error is null ? null : TextInput.Storable(outcome.Error);
        error = error is { Length: > MaxErrorLength } e ? e[..(MaxErrorLength - 1)] + "…" : error;
        await db.WebhookDeliveries.Where(d => d.Id == delivery.Id)
            .ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Attempts, attempts)
                .SetProperty(d => d.Status, status)
                .SetProperty(d => d.LastStatusCode, outcome.StatusCode)
                .SetProperty(d => d.LastError, error)
                .SetProperty(d => d.LastAttemptUtc, now)
                .SetProperty(d => d.NextAttemptUtc, next)
                .SetProperty(d => d.DeliveredUtc, outcome.Succeeded ? now : (DateTime?)null), cancellationToken);
        if (!outcome.Succeeded)
        {
            _logger.LogInformation("Webhook delivery {DeliveryId} attempt {Attempt} failed ({Status}): {Error}",
                delivery.Id, attempts, status, error);
        }
        return status == WebhookDeliveryStatus.Pending ? next : null;
    }

    /// <summary>The wait after failed attempt <paramref name="attempts"/>: the first retry delay, doubled each time, capped.</summary>
    public TimeSpan Backoff(int attempts) =>
        TimeSpan.FromSeconds(Math.Min(_options.MaxRetrySeconds, _options.FirstRetrySeconds * Math.Pow(2, Math.Max(0, attempts - 1))));

    public void Dispose() => _http.Dispose();
}
