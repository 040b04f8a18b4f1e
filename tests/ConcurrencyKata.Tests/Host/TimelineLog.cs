using System.Diagnostics;
using ConcurrencyKata.Contract;
using ConcurrencyKata.Tests.Probes;

namespace ConcurrencyKata.Tests.Host;

/// <summary>
/// Keeps every scenario's timeline for the HTML report (<c>./build.sh report</c>): when the judge's
/// host is given a file (<c>--timelines FILE</c>), each scenario appends one JSON line to it as it
/// ends: the check it belonged to, its verdict, and its spans in milliseconds from the scenario's
/// start, one lane per thread or process. Off (no file) when the checks run any other way.
/// </summary>
public static class TimelineLog
{
    /// <summary>Spans kept per scenario; a check of a thousand fetches draws its first ones and says how many more there were.</summary>
    public const int MaxSpans = 200;

    /// <summary>Scenarios kept per check: a check that runs round after round (the race checks) keeps its first ones, and spends nothing on the rest.</summary>
    public const int MaxScenariosPerCheck = 3;

    private static readonly object Gate = new();
    private static CheckId? _countedCheck;
    private static int _kept;

    /// <summary>Where the lines go; null: nothing is written.</summary>
    public static string? File { get; set; }

    /// <summary>The check now running (set by the judge's host as each check starts).</summary>
    public static CheckId? CurrentCheck { get; set; }

    public static void Record(SpanRecorder recorder)
    {
        if (File is not { } file || CurrentCheck is not { } check)
        {
            return;
        }
        lock (Gate)
        {
            if (_countedCheck != check)
            {
                (_countedCheck, _kept) = (check, 0);
            }
            if (++_kept > MaxScenariosPerCheck)
            {
                return;
            }
        }
        var spans = recorder.Snapshot();
        if (spans.Count == 0)
        {
            return;
        }
        var now = Stopwatch.GetTimestamp();
        double Ms(long ticks) => Math.Round((ticks - recorder.OriginTicks) * 1000.0 / Stopwatch.Frequency, 3);
        var verdict = Timeline.Classify(spans, now);
        var line = new ScenarioTimeline(check, verdict.ToString(), verdict.Shape.ToString(), spans.Count,
            spans.OrderBy(s => s.StartTicks).Take(MaxSpans)
                .Select(s => new TimelineSpan(s.Name, s.Lane, Ms(s.StartTicks), Ms(s.EndTicks ?? now), s.IsOpen, s.Busy))
                .ToList()).ToJson();
        lock (Gate)
        {
            try
            {
                System.IO.File.AppendAllText(file, line + "\n");
            }
            catch (IOException)
            {
                // the report is a view of the run, never a reason for a check to fail
            }
        }
    }
}
