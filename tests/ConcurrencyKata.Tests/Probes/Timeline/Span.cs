using System.Diagnostics;

namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// One operation on the timeline: when it started and ended (<see cref="Stopwatch.GetTimestamp"/>
/// ticks, comparable across processes on the same machine), where it ran, and whether it was
/// computing (<see cref="Busy"/>) or waiting. <see cref="Place"/>, when given, names where it ran
/// more closely than a thread does: a grain's activation on a silo ("S1 shard/3").
/// </summary>
public sealed record Span(
    string Name,
    long StartTicks,
    long? EndTicks,
    int ThreadId,
    int ProcessId,
    bool Busy,
    string? Place = null)
{
    /// <summary>The lane an operation ran in: its place when it has one, else a thread of this process, or another process.</summary>
    public string Lane => Place ?? (ProcessId == Environment.ProcessId ? $"T{ThreadId}" : $"P{ProcessId}");

    public bool IsOpen => EndTicks is null;

    public bool Overlaps(Span other, long now)
    {
        var end = EndTicks ?? now;
        var otherEnd = other.EndTicks ?? now;
        return StartTicks < otherEnd && other.StartTicks < end;
    }

    /// <summary>Builds a closed span from milliseconds after <paramref name="originTicks"/> (handy in tests).</summary>
    public static Span FromMilliseconds(string name, double startMs, double endMs, int threadId, bool busy = false, int? processId = null, long originTicks = 0)
        => new(name, originTicks + ToTicks(startMs), originTicks + ToTicks(endMs), threadId, processId ?? Environment.ProcessId, busy);

    internal static long ToTicks(double milliseconds) => (long)Math.Round(milliseconds * Stopwatch.Frequency / 1000.0);
}
