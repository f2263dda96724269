using System.Runtime.InteropServices;

namespace LabelLoop.Ml.TorchSharp;

/// <summary>
/// glibc maps every allocation above its (adaptive) mmap threshold afresh and trims the heap top eagerly, so each
/// slice faulted its activation buffers in again; raising both thresholds keeps up to that much freed memory in the
/// process for reuse (measured: training from about 700 to about 2,050 images/s). A host that sets MALLOC_MMAP_THRESHOLD_ or MALLOC_TRIM_THRESHOLD_ keeps its own choice.
/// </summary>
internal static partial class ProcessTuning
{
    private const int MallocTrimThreshold = -1;
    private const int MallocMmapThreshold = -3;

    public static void KeepActivationBuffers()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            if (Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is null)
            {
                _ = Mallopt(MallocMmapThreshold, 64 << 20);
            }

            if (Environment.GetEnvironmentVariable("MALLOC_TRIM_THRESHOLD_") is null)
            {
                _ = Mallopt(MallocTrimThreshold, 128 << 20);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl, for one): its allocator has no such thresholds.
        }
    }

    /// <summary>
    /// How many times libgomp's idle threads spin before sleeping in a process that has the cores to itself: about a
    /// millisecond (libgomp's estimate is 100,000 spins per millisecond).
    /// </summary>
    public const long DedicatedSpinCount = 100_000;

    /// <summary>
    /// How libtorch's OpenMP threads wait for the next parallel region; libgomp reads it once, when libtorch loads
    /// it, so this must run before the first tensor. Measured with <c>labelloop bench engine --part train</c>
    /// (bench/engine.md): sleeping at once costs libtorch 2.10 about 15% of training throughput on two cores, since
    /// nearly every operator wakes its threads; but spinning while another process wants the same cores made two
    /// trainings side by side four times slower together. So a process with dedicated cores (<c>labelloop worker</c>)
    /// spins for about a millisecond and every other (<c>serve</c>, the CLI's commands, tests) sleeps at once. libgomp
    /// itself cuts the spin to 100 when one process runs more OpenMP threads than there are cores. A host that sets
    /// <c>GOMP_SPINCOUNT</c> or <c>OMP_WAIT_POLICY</c> keeps its own choice.
    /// </summary>
    public static void SetOpenMpWaiting(bool dedicatedCores)
    {
        if (!OperatingSystem.IsLinux()
            || Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is not null
            || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null)
        {
            return;
        }

        try
        {
            // Environment.SetEnvironmentVariable changes only .NET's copy; libgomp reads the C library's.
            var spins = dedicatedCores ? DedicatedSpinCount : 0;
            _ = SetEnv("GOMP_SPINCOUNT", spins.ToString(System.Globalization.CultureInfo.InvariantCulture), 1);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: leave the OpenMP runtime at its defaults.
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc.so.6", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);
}
