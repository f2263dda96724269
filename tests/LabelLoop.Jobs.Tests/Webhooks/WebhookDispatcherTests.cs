using System.Text;
using System.Text.Json;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Webhooks;
using LabelLoop.Data;
using LabelLoop.Data.Webhooks;
using LabelLoop.Jobs.Webhooks;
using LabelLoop.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit;

namespace LabelLoop.Jobs.Tests.Webhooks;

/// <summary>The dispatcher against real HTTP receivers on loopback addresses, with a clock the tests move.</summary>
public sealed class WebhookDispatcherTests(JobsFixture fixture) : IClassFixture<JobsFixture>, IAsyncLifetime
{
    /// <summary>
    /// The class shares one database and the dispatcher serves every due delivery in it: each test starts with none,
    /// so the order the tests run in does not matter.
    /// </summary>
    public async ValueTask InitializeAsync()
    {
        await using var db = fixture.CreateContext();
        await db.WebhookDeliveries.ExecuteDeleteAsync(Cancel);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private readonly ManualTimeProvider _clock = new(TimeProvider.System.GetUtcNow());

    // The receivers listen on loopback, so these dispatchers allow private targets; one test checks the default.
    private WebhookDispatcher Dispatcher(int maxAttempts = 4, double timeoutSeconds = 5, bool allowPrivate = true) => new(
        fixture.Get<IDbContextFactory<LabelLoopDbContext>>(), _clock,
        Options.Create(new WebhookOptions { MaxAttempts = maxAttempts, FirstRetrySeconds = 10, TimeoutSeconds = timeoutSeconds, AllowPrivateNetworks = allowPrivate }),
        NullLogger<WebhookDispatcher>.Instance);

    /// <summary>A project with one webhook for every event pointing at <paramref name="url"/>, and one pending event.</summary>
    private async Task<(int ProjectId, CreatedWebhook Hook)> HookWithEventAsync(string url)
    {
        var admin = await fixture.CreateAdminAsync();
        var (projectId, _) = await fixture.CreateProjectAsync(0, "a", "b");
        var hook = await fixture.Get<WebhookService>().CreateAsync(admin, projectId, url, WebhookEvents.All, Cancel);
        await using var db = fixture.CreateContext();
        await WebhookOutbox.EnqueueAsync(db, projectId, WebhookEvents.ExportCompleted, new { exportId = 1 }, _clock.GetUtcNow().UtcDateTime, Cancel);
        return (projectId, hook);
    }

    private async Task<WebhookDeliveryView> DeliveryAsync(int projectId, CreatedWebhook hook) =>
        Assert.Single(await fixture.Get<WebhookService>().ListDeliveriesAsync(Caller.System, projectId, hook.Webhook.Id, null, 10, Cancel));

    [Fact]
    public async Task An_annotation_is_delivered_signed_over_the_raw_body_with_event_and_delivery_headers()
    {
        await using var receiver = new TestReceiver();
        var admin = await fixture.CreateAdminAsync();
        var (projectId, items) = await fixture.CreateProjectAsync(1, "a", "b");
        var hook = await fixture.Get<WebhookService>().CreateAsync(admin, projectId, receiver.Url(), [WebhookEvents.AnnotationCreated], Cancel);
        await fixture.LabelAsync(admin, projectId, [items[0]], _ => "b");
        // The label was stamped by the system clock, after this test's clock started.
        _clock.Advance(TimeSpan.FromMinutes(1));

        var attempted = await Dispatcher().DispatchDueAsync(Cancel);

        Assert.Equal(1, attempted);
        var request = Assert.Single(receiver.Received);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/hook", request.Path);
        Assert.Equal("annotation.created", request.Headers["X-LabelLoop-Event"]);
        Assert.StartsWith("application/json", request.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.True(WebhookSignature.Verify(hook.Secret, request.Body, request.Headers["X-LabelLoop-Signature"]));
        Assert.False(WebhookSignature.Verify("whsec_wrong", request.Body, request.Headers["X-LabelLoop-Signature"]));
        // What a receiver in another language computes: HMAC-SHA256 over the bytes as received, hex, "sha256=" prefix.
        var expected = "sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(hook.Secret), request.Body));
        Assert.Equal(expected, request.Headers["X-LabelLoop-Signature"]);
        using var payload = JsonDocument.Parse(request.Body);
        Assert.Equal("annotation.created", payload.RootElement.GetProperty("event").GetString());
        Assert.Equal(items[0], payload.RootElement.GetProperty("data").GetProperty("itemId").GetInt64());
        var delivery = await DeliveryAsync(projectId, hook);
        Assert.Equal(delivery.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), request.Headers["X-LabelLoop-Delivery"]);
        Assert.Equal("succeeded", delivery.Status);
        Assert.Equal(1, delivery.Attempts);
        Assert.Equal(200, delivery.LastStatusCode);
        Assert.NotNull(delivery.DeliveredUtc);
        Assert.Equal(0, await Dispatcher().DispatchDueAsync(Cancel));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task By_default_a_delivery_to_a_loopback_or_private_address_is_refused_before_connecting(string host)
    {
        await using var receiver = new TestReceiver();
        var (projectId, hook) = await HookWithEventAsync($"http://{host}:{receiver.Port}/hook");

        Assert.Equal(1, await Dispatcher(allowPrivate: false).DispatchDueAsync(Cancel));

        var delivery = await DeliveryAsync(projectId, hook);
        Assert.Equal(("pending", 1), (delivery.Status, delivery.Attempts));
        Assert.Contains("private or loopback", delivery.LastError, StringComparison.Ordinal);
        Assert.Contains("Webhooks:AllowPrivateNetworks", delivery.LastError, StringComparison.Ordinal);
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public async Task Failures_are_retried_with_exponential_back_off_until_one_succeeds()
    {
        await using var receiver = new TestReceiver();
        receiver.Then(new TestReceiver.Response(500), new TestReceiver.Response(503));
        var (projectId, hook) = await HookWithEventAsync(receiver.Url());
        var dispatcher = Dispatcher();

        Assert.Equal(1, await dispatcher.DispatchDueAsync(Cancel));
        var first = await DeliveryAsync(projectId, hook);
        Assert.Equal(("pending", 1, 500), (first.Status, first.Attempts, first.LastStatusCode));
        Assert.Contains("500", first.LastError, StringComparison.Ordinal);
        Assert.Equal(first.LastAttemptUtc!.Value.AddSeconds(10), first.NextAttemptUtc);

        // Not due yet: nothing is sent.
        _clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(0, await dispatcher.DispatchDueAsync(Cancel));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await dispatcher.DispatchDueAsync(Cancel));
        var second = await DeliveryAsync(projectId, hook);
        Assert.Equal(("pending", 2, 503), (second.Status, second.Attempts, second.LastStatusCode));
        Assert.Equal(second.LastAttemptUtc!.Value.AddSeconds(20), second.NextAttemptUtc);

        _clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(1, await dispatcher.DispatchDueAsync(Cancel));
        var third = await DeliveryAsync(projectId, hook);
        Assert.Equal(("succeeded", 3, 200), (third.Status, third.Attempts, third.LastStatusCode));
        Assert.Null(third.LastError);
        Assert.Equal(3, receiver.Received.Count);
        // Every attempt sent the same bytes with the same delivery id.
        Assert.Single(receiver.Received.Select(r => Convert.ToBase64String(r.Body)).Distinct());
        Assert.Single(receiver.Received.Select(r => r.Headers["X-LabelLoop-Delivery"]).Distinct());
    }

    [Fact]
    public async Task A_redirect_to_another_host_is_a_failed_attempt_and_is_never_followed()
    {
        await using var elsewhere = new TestReceiver("127.0.0.2");
        await using var receiver = new TestReceiver();
        receiver.Then(new TestReceiver.Response(302, elsewhere.Url("/stolen")), new TestReceiver.Response(307, elsewhere.Url("/stolen")));
        var (projectId, hook) = await HookWithEventAsync(receiver.Url());
        var dispatcher = Dispatcher();

        await dispatcher.DispatchDueAsync(Cancel);
        _clock.Advance(TimeSpan.FromSeconds(10));
        await dispatcher.DispatchDueAsync(Cancel);

        var delivery = await DeliveryAsync(projectId, hook);
        Assert.Equal(("pending", 2, 307), (delivery.Status, delivery.Attempts, delivery.LastStatusCode));
        Assert.Contains("not followed", delivery.LastError, StringComparison.Ordinal);
        Assert.Contains(elsewhere.Url("/stolen"), delivery.LastError, StringComparison.Ordinal);
        Assert.Equal(2, receiver.Received.Count);
        Assert.Empty(elsewhere.Received);
    }

    [Fact]
    public async Task After_the_last_attempt_a_delivery_is_failed_and_left_alone()
    {
        await using var receiver = new TestReceiver();
        receiver.Then(new TestReceiver.Response(500), new TestReceiver.Response(500), new TestReceiver.Response(500));
        var (projectId, hook) = await HookWithEventAsync(receiver.Url());
        var dispatcher = Dispatcher(maxAttempts: 2);

        await dispatcher.DispatchDueAsync(Cancel);
        _clock.Advance(TimeSpan.FromSeconds(10));
        await dispatcher.DispatchDueAsync(Cancel);
        _clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(0, await dispatcher.DispatchDueAsync(Cancel));

        var delivery = await DeliveryAsync(projectId, hook);
        Assert.Equal(("failed", 2, 500), (delivery.Status, delivery.Attempts, delivery.LastStatusCode));
        Assert.Null(delivery.NextAttemptUtc);
        Assert.Equal(2, receiver.Received.Count);
    }

    [Fact]
    public async Task A_receiver_that_does_not_answer_in_time_or_at_all_is_a_failed_attempt()
    {
        await using var slow = new TestReceiver();
        slow.Then(new TestReceiver.Response(200, Delay: TimeSpan.FromSeconds(4)));
        var (slowProject, slowHook) = await HookWithEventAsync(slow.Url());
        var (deadProject, deadHook) = await HookWithEventAsync($"http://127.0.0.1:{FreeClosedPort()}/hook");

        await Dispatcher(timeoutSeconds: 1).DispatchDueAsync(Cancel);

        var timedOut = await DeliveryAsync(slowProject, slowHook);
        Assert.Equal(("pending", 1, (int?)null), (timedOut.Status, timedOut.Attempts, timedOut.LastStatusCode));
        Assert.Contains("No answer within 1 s", timedOut.LastError, StringComparison.Ordinal);
        var refused = await DeliveryAsync(deadProject, deadHook);
        Assert.Equal(("pending", 1, (int?)null), (refused.Status, refused.Attempts, refused.LastStatusCode));
        Assert.False(string.IsNullOrEmpty(refused.LastError));
    }

    private static int FreeClosedPort()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }
}
