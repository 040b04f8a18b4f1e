using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ConcurrencyKata.Tests.Probes;

/// <summary>What a set of spans shows about how the work ran.</summary>
public enum Shape
{
    /// <summary>Nothing ran at all.</summary>
    Empty,

    /// <summary>One operation at a time.</summary>
    Sequential,

    /// <summary>Several in progress at once, but never two computing at the same instant.</summary>
    Concurrent,

    /// <summary>Two or more computing at the same instant, on different threads or processes.</summary>
    Parallel,
}

/// <summary>The verdict line of a timeline: its shape and the numbers behind it.</summary>
public sealed record Verdict(Shape Shape, int PeakInProgress, int PeakComputing, int Threads, int Processes)
{
    private string Where => Processes > 1
        ? $"in {Processes} processes"
        : Threads == 1 ? "on 1 thread" : $"on {Threads} threads";

    public override string ToString() => Shape switch
    {
        Shape.Empty => "verdict: nothing ran",
        Shape.Sequential => $"verdict: sequential: one operation at a time, {Where}",
        Shape.Concurrent => $"verdict: concurrent, not parallel: up to {PeakInProgress} in progress at once, never two computing at the same instant, {Where}",
        _ => $"verdict: parallel: up to {PeakComputing} computing at the same instant, up to {PeakInProgress} in progress, {Where}",
    };
}

/// <summary>
/// Draws spans as an ASCII chart, one row per operation, so a failure message shows what ran
/// when and where. <c>#</c> is computing, <c>-</c> is waiting, <c>&gt;</c> marks an operation
/// that had not finished when the chart was drawn.
/// </summary>
public static class Timeline
{
    public const int DefaultMaxRows = 24;
    public const int BarWidth = 50;

    public static Verdict Classify(IReadOnlyList<Span> spans, long? nowTicks = null)
    {
        if (spans.Count == 0)
        {
            return new Verdict(Shape.Empty, 0, 0, 0, 0);
        }
        var now = nowTicks ?? Math.Max(Stopwatch.GetTimestamp(), spans.Max(s => s.EndTicks ?? s.StartTicks));
        var threads = spans.Select(s => (s.ProcessId, s.ThreadId)).Distinct().Count();
        var processes = spans.Select(s => s.ProcessId).Distinct().Count();
        var peak = Overlap.Peak(spans.Select(s => (s.StartTicks, s.EndTicks ?? now)));
        var computing = PeakComputingInDistinctLanes(spans.Where(s => s.Busy).ToList(), now);
        var shape = peak <= 1 ? Shape.Sequential : computing >= 2 ? Shape.Parallel : Shape.Concurrent;
        return new Verdict(shape, peak, Math.Max(computing, spans.Any(s => s.Busy) ? 1 : 0), threads, processes);
    }

    /// <summary>How the chart begins: the runner finds it in a failure message by this (HostContract's <see cref="Contract.ScenarioTimeline.ChartMarker"/>).</summary>
    private static readonly string ChartHeading = Contract.ScenarioTimeline.ChartMarker.TrimStart('\n');

    /// <summary>Renders the chart and the verdict. Times are shown relative to <paramref name="originTicks"/>.</summary>
    public static string Render(IReadOnlyList<Span> spans, long originTicks, int maxRows = DefaultMaxRows, long? nowTicks = null)
    {
        var text = new StringBuilder();
        if (spans.Count == 0)
        {
            text.Append(ChartHeading).AppendLine("no operation was recorded (was the code under test called at all?)");
            return text.ToString();
        }

        var now = nowTicks ?? Math.Max(Stopwatch.GetTimestamp(), spans.Max(s => s.EndTicks ?? s.StartTicks));
        var ordered = spans.OrderBy(s => s.StartTicks).ThenBy(s => s.Name, StringComparer.Ordinal).ToList();
        var first = Math.Min(originTicks, ordered[0].StartTicks);
        var last = Math.Max(ordered.Max(s => s.EndTicks ?? now), first + 1);
        var total = last - first;
        double Ms(long ticks) => (ticks - first) * 1000.0 / Stopwatch.Frequency;

        var shown = ordered.Count <= maxRows ? ordered : ordered.Take(maxRows - 1).ToList();
        var nameWidth = Math.Clamp(shown.Max(s => s.Name.Length), 4, 28);
        var laneWidth = Math.Max(4, shown.Max(s => s.Lane.Length));

        text.Append(CultureInfo.InvariantCulture,
            $"{ChartHeading}{spans.Count} operation(s) over {Ms(last):0} ms, one column = {Ms(last) / BarWidth:0.##} ms; # computing, - waiting, > still running")
            .AppendLine();
        foreach (var span in shown)
        {
            var end = span.EndTicks ?? now;
            var from = (int)Math.Floor((span.StartTicks - first) * (double)BarWidth / total);
            var to = (int)Math.Ceiling((end - first) * (double)BarWidth / total);
            from = Math.Clamp(from, 0, BarWidth - 1);
            to = Math.Clamp(Math.Max(to, from + 1), 1, BarWidth);
            var bar = new char[BarWidth];
            Array.Fill(bar, ' ');
            for (var i = from; i < to; i++)
            {
                bar[i] = span.Busy ? '#' : '-';
            }
            if (span.IsOpen)
            {
                bar[to - 1] = '>';
            }
            var name = span.Name.Length > nameWidth ? span.Name[..(nameWidth - 1)] + "~" : span.Name;
            var when = span.IsOpen
                ? string.Create(CultureInfo.InvariantCulture, $"{Ms(span.StartTicks):0} ms.. unfinished")
                : string.Create(CultureInfo.InvariantCulture, $"{Ms(span.StartTicks):0}..{Ms(end):0} ms");
            text.Append(CultureInfo.InvariantCulture,
                $"  {name.PadRight(nameWidth)}  {span.Lane.PadRight(laneWidth)} |{new string(bar)}| {when}")
                .AppendLine();
        }
        if (shown.Count < ordered.Count)
        {
            text.Append(CultureInfo.InvariantCulture, $"  ... and {ordered.Count - shown.Count} more operation(s)").AppendLine();
        }
        text.AppendLine(Classify(spans, now).ToString());
        return text.ToString();
    }

    /// <summary>Peak number of distinct lanes computing at one instant (two spans of one thread cannot compute at once).</summary>
    private static int PeakComputingInDistinctLanes(IReadOnlyList<Span> busy, long now)
    {
        var peak = 0;
        foreach (var s in busy)
        {
            var lanes = busy.Where(o => o.StartTicks <= s.StartTicks && s.StartTicks < (o.EndTicks ?? now))
                .Select(o => (o.ProcessId, o.ThreadId))
                .Distinct()
                .Count();
            peak = Math.Max(peak, lanes);
        }
        return peak;
    }
}
