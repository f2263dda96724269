using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace LabelLoop.Jobs.Tests.Webhooks;

/// <summary>
/// A real HTTP server on a loopback address for webhook tests: records every request (headers and raw body) and
/// answers with the next scripted response (status, optional Location, optional delay), then 200 once the script ends.
/// </summary>
internal sealed class TestReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<Response> _script = new();
    private readonly Task _loop;

    public sealed record Request(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body);

    public sealed record Response(int Status, string? Location = null, TimeSpan Delay = default);

    public TestReceiver(string host = "127.0.0.1")
    {
        Host = host;
        Port = FreePort(host);
        _listener.Prefixes.Add($"http://{host}:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Host { get; }

    public int Port { get; }

    public string Url(string path = "/hook") => $"http://{Host}:{Port}{path}";

    public ConcurrentQueue<Request> Received { get; } = new();

    public void Then(params Response[] responses)
    {
        foreach (var response in responses)
        {
            _script.Enqueue(response);
        }
    }

    private static int FreePort(string host)
    {
        using var probe = new TcpListener(IPAddress.Parse(host), 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var body = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(body);
        var headers = context.Request.Headers.AllKeys.Where(k => k is not null)
            .ToDictionary(k => k!, k => context.Request.Headers[k] ?? "", StringComparer.OrdinalIgnoreCase);
        Received.Enqueue(new Request(context.Request.HttpMethod, context.Request.Url!.AbsolutePath, headers, body.ToArray()));
        var response = _script.TryDequeue(out var next) ? next : new Response(200);
        if (response.Delay > TimeSpan.Zero)
        {
            await Task.Delay(response.Delay);
        }
        try
        {
            context.Response.StatusCode = response.Status;
            if (response.Location is not null)
            {
                context.Response.RedirectLocation = response.Location;
            }
            context.Response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
            // The client gave up (a timeout test).
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
