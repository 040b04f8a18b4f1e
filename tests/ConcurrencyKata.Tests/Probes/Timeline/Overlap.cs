namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// How intervals of time overlap (<see cref="System.Diagnostics.Stopwatch"/> ticks): the one sweep
/// the probes use. An end and a start at the same tick do not overlap.
/// </summary>
public static class Overlap
{
    /// <summary>The most intervals in progress at one instant.</summary>
    public static int Peak(IEnumerable<(long Start, long End)> intervals)
    {
        int now = 0, most = 0;
        foreach (var (_, step) in Edges(intervals))
        {
            now += step;
            most = Math.Max(most, now);
        }
        return most;
    }

    /// <summary>How long, in ticks, at least <paramref name="atLeast"/> intervals were in progress at the same instant.</summary>
    public static long TicksWithAtLeast(IEnumerable<(long Start, long End)> intervals, int atLeast)
    {
        long ticks = 0, since = 0;
        var now = 0;
        foreach (var (at, step) in Edges(intervals))
        {
            if (now >= atLeast)
            {
                ticks += at - since;
            }
            now += step;
            since = at;
        }
        return ticks;
    }

    // ends sort before starts at the same instant: touching is not overlapping
    private static IEnumerable<(long At, int Step)> Edges(IEnumerable<(long Start, long End)> intervals)
        => intervals.SelectMany(i => new[] { (At: i.Start, Step: 1), (At: i.End, Step: -1) }).OrderBy(e => e.At).ThenBy(e => e.Step);
}
