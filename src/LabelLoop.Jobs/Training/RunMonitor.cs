using LabelLoop.Data.Jobs;
using Microsoft.Extensions.Logging;

namespace LabelLoop.Jobs.Training;

/// <summary>
/// Runs beside a job: writes its latest progress to the job-run row and watches the row for a cancel, which may
/// come from any node. Compute code only sets <see cref="Report"/> (no database call on the training thread);
/// <see cref="Token"/> fires within <see cref="Interval"/> of a cancel. Every write, and at least one every
/// <see cref="HeartbeatInterval"/>, is the run's heartbeat (<see cref="Core.Jobs.JobRun.HeartbeatUtc"/>), which tells
/// other nodes this one is alive.
/// </summary>
internal sealed class RunMonitor : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(2);

    private readonly System.Diagnostics.Stopwatch _sinceBeat = System.Diagnostics.Stopwatch.StartNew();

    private readonly long _runId;
    private readonly string _node;
    private readonly JobRunService _runs;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _cancel;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private (int Progress, string Message) _latest;
    private (int Progress, string Message) _written;

    public RunMonitor(long runId, string node, JobRunService runs, ILogger logger, CancellationToken shutdown)
    {
        _runId = runId;
        _node = node;
        _runs = runs;
        _logger = logger;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        _latest = _written = (0, "Starting");
        _loop = Task.Run(LoopAsync, CancellationToken.None);
    }

    /// <summary>Cancelled when the run is cancelled (or no longer ours) or the process shuts down.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>True once the row said the run was cancelled or taken over (as opposed to a shutdown).</summary>
    public bool CancelledByRow { get; private set; }

    public void Report(int progress, string message) => _latest = (Math.Clamp(progress, 0, 100), message);

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                var latest = _latest;
                var write = latest != _written || _sinceBeat.Elapsed >= HeartbeatInterval;
                var stillOurs = latest != _written
                    ? await _runs.ReportProgressAsync(_runId, _node, latest.Progress, latest.Message, _stop.Token)
                    : write
                        ? await _runs.BeatAsync(_runId, _node, _stop.Token)
                        : await _runs.IsRunningOnAsync(_runId, _node, _stop.Token);
                _written = latest;
                if (write)
                {
                    _sinceBeat.Restart();
                }
                if (!stillOurs)
                {
                    CancelledByRow = true;
                    await _cancel.CancelAsync();
                    return;
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A monitor hiccup (database restart) must not kill the job; the next tick retries.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _logger.LogWarning(ex, "Could not update job run {RunId}", _runId);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _cancel.Dispose();
    }
}
