using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// Physical evidence of parallelism: CPU time the whole process used divided by wall-clock
/// time. One core busy gives about 1.0; two cores busy at once approach 2.0.
/// </summary>
public sealed partial class CpuMeter
{
    private readonly Func<TimeSpan> _clock;
    private readonly Func<long?> _wakeups;
    private readonly TimeSpan _cpuAtStart;
    private readonly long? _wakeupsAtStart;
    private readonly long _wallAtStart;

    private CpuMeter(Func<TimeSpan> clock, Func<long?>? wakeups = null)
    {
        _clock = clock;
        _wakeups = wakeups ?? (() => null);
        _cpuAtStart = clock();
        _wakeupsAtStart = _wakeups();
        _wallAtStart = Stopwatch.GetTimestamp();
    }

    /// <summary>Measures the whole process: every thread's CPU time counts.</summary>
    public static CpuMeter Start() => new(() => Process.GetCurrentProcess().TotalProcessorTime);

    /// <summary>
    /// Measures only the calling thread (read it on the same thread): the JIT, the GC and the
    /// test framework's own threads do not count. Falls back to the process where the
    /// platform offers no per-thread clock. Where the platform tells (Linux), it also counts
    /// the thread's wake-ups: how often it went to sleep and was woken again.
    /// </summary>
    public static CpuMeter StartForCurrentThread()
        => new(ThreadCpuTime() is null ? () => Process.GetCurrentProcess().TotalProcessorTime : () => ThreadCpuTime()!.Value, ThreadWakeups);

    public Reading Read()
    {
        var cpu = _clock() - _cpuAtStart;
        var wall = Stopwatch.GetElapsedTime(_wallAtStart);
        var wakeups = _wakeups() - _wakeupsAtStart;
        return new Reading(cpu, wall, wakeups);
    }

    /// <summary>
    /// How many times the calling thread has blocked and been woken again (voluntary context
    /// switches), or null where the platform does not say. A thread that waits for work wakes
    /// once per piece of work; one that polls with a short sleep wakes every few milliseconds.
    /// </summary>
    public static long? ThreadWakeups() => OperatingSystem.IsLinux() ? NativeThread.WakeupsIn("/proc/thread-self/status") : null;

    /// <summary>CPU time of the calling thread, or null where it cannot be read.</summary>
    public static TimeSpan? ThreadCpuTime()
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                return GetThreadTimes(GetCurrentThread(), out _, out _, out var kernel, out var user)
                    ? TimeSpan.FromTicks(kernel + user)
                    : null;
            }
            // CLOCK_THREAD_CPUTIME_ID: 3 on Linux, 16 on macOS
            var clock = OperatingSystem.IsMacOS() ? 16 : 3;
            return clock_gettime(clock, out var now) == 0
                ? TimeSpan.FromTicks(now.Seconds * TimeSpan.TicksPerSecond + now.Nanoseconds / 100)
                : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = false)]
    private static partial int clock_gettime(int clockId, out TimeSpec time);

    [LibraryImport("kernel32.dll")]
    private static partial IntPtr GetCurrentThread();

    [LibraryImport("kernel32.dll")]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool GetThreadTimes(IntPtr thread, out long creation, out long exit, out long kernel, out long user);

    public readonly record struct Reading(TimeSpan Cpu, TimeSpan Wall, long? Wakeups = null)
    {
        public double Ratio => Wall.TotalMilliseconds <= 0 ? 0 : Cpu.TotalMilliseconds / Wall.TotalMilliseconds;

        public override string ToString()
            => $"CPU {Cpu.TotalMilliseconds:0} ms over {Wall.TotalMilliseconds:0} ms wall (ratio {Ratio:0.00})" +
               (Wakeups is { } w ? $", {w} wake-ups" : "");
    }
}
