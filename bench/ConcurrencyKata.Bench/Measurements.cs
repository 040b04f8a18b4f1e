using System.Diagnostics;

namespace ConcurrencyKata.Bench;

/// <summary>How much the bench measures: everything (figures worth reading), small sizes (rough figures), or ci's smoke run.</summary>
public enum BenchSize { Full, Quick, Smoke }

/// <summary>What each run of the bench measures: its sizes, how often each cell is repeated, which worker counts, how long BenchmarkDotNet measures each unit cost.</summary>
public sealed record BenchSettings(BenchSize Size, int Repeats, IReadOnlyList<int> WorkerCounts, int Waits, TimeSpan Wait, int CpuJobs, int Documents, TimeSpan Fetch,
    int GatheredWaits, int UnitCostWarmups, int UnitCostIterations, TimeSpan UnitCostIterationTime, int GrainCalls)
{
    public bool Quick => Size != BenchSize.Full;

    /// <summary>
    /// Worker counts 1, 2, ... up to twice the core count (the quick and smoke runs: 1 and 2). The
    /// smoke run (ci's) goes through every step with the smallest sizes: it shows the bench works
    /// (two runs per cell, the fewest a spread needs), its figures mean nothing.
    /// </summary>
    public static BenchSettings For(BenchSize size) => size switch
    {
        BenchSize.Smoke => new(size, 2, [1, 2], Waits: 4, Wait: TimeSpan.FromMilliseconds(10), CpuJobs: 2, Documents: 2, Fetch: TimeSpan.FromMilliseconds(10), GatheredWaits: 100,
            UnitCostWarmups: 1, UnitCostIterations: 1, UnitCostIterationTime: TimeSpan.FromMilliseconds(20), GrainCalls: 256),
        BenchSize.Quick => new(size, 2, [1, 2], Waits: 8, Wait: TimeSpan.FromMilliseconds(40), CpuJobs: 4, Documents: 4, Fetch: TimeSpan.FromMilliseconds(40), GatheredWaits: 1_000,
            UnitCostWarmups: 1, UnitCostIterations: 3, UnitCostIterationTime: TimeSpan.FromMilliseconds(100), GrainCalls: 4_000),
        _ => new(size, 5, [.. Enumerable.Range(1, 2 * Environment.ProcessorCount)], Waits: 12, Wait: TimeSpan.FromMilliseconds(50), CpuJobs: 8, Documents: 6, Fetch: TimeSpan.FromMilliseconds(50), GatheredWaits: 10_000,
            UnitCostWarmups: 2, UnitCostIterations: 6, UnitCostIterationTime: TimeSpan.FromMilliseconds(250), GrainCalls: 100_000),
    };
}

/// <summary>
/// One cell of the comparison: a strategy on a workload with a number of workers (null: as many as
/// it likes), its wall times over the repeats, and how that compares with running one after another.
/// </summary>
public sealed record Cell(string Workload, string Strategy, int? Workers, IReadOnlyList<double> Seconds, double SequentialSeconds, double Limit)
{
    public double Median => Stats.Median(Seconds);

    public double Min => Seconds.Min();

    public double Max => Seconds.Max();

    /// <summary>How many times faster than one after another (the sequential strategy's median).</summary>
    public double Speedup => SequentialSeconds / Median;

    /// <summary>The speedup as a share of the best this workload allows with these workers.</summary>
    public double OfLimit => Speedup / Limit;
}

public static class Stats
{
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }
        var sorted = values.Order().ToList();
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>Runs <paramref name="action"/> <paramref name="repeats"/> times and returns each run's wall time in seconds.</summary>
    public static IReadOnlyList<double> Time(int repeats, Action action)
    {
        var seconds = new List<double>(repeats);
        for (var i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            seconds.Add(clock.Elapsed.TotalSeconds);
        }
        return seconds;
    }
}

/// <summary>The machine the figures came from, as the report names it.</summary>
public static class Machine
{
    public static string Describe()
    {
        var cpu = "";
        try
        {
            cpu = File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? ""
                : "";
        }
        catch (IOException)
        {
        }
        return $"{Environment.ProcessorCount} cores{(cpu.Length > 0 ? $" ({cpu})" : "")}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription.Trim()}, " +
               $".NET {Environment.Version}";
    }
}
