using System.Diagnostics;

namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// Physical evidence of parallelism: CPU time the whole process used divided by wall-clock
/// time. One core busy gives about 1.0; two cores busy at once approach 2.0.
/// </summary>
public sealed class CpuMeter
{
    private readonly TimeSpan _cpuAtStart;
    private readonly long _wallAtStart;

    private CpuMeter()
    {
        _cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        _wallAtStart = Stopwatch.GetTimestamp();
    }

    public static CpuMeter Start() => new();

    public Reading Read()
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - _cpuAtStart;
        var wall = Stopwatch.GetElapsedTime(_wallAtStart);
        return new Reading(cpu, wall);
    }

    public readonly record struct Reading(TimeSpan Cpu, TimeSpan Wall)
    {
        public double Ratio => Wall.TotalMilliseconds <= 0 ? 0 : Cpu.TotalMilliseconds / Wall.TotalMilliseconds;

        public override string ToString() => $"CPU {Cpu.TotalMilliseconds:0} ms over {Wall.TotalMilliseconds:0} ms wall (ratio {Ratio:0.00})";
    }
}
