using Snapshooter.Xunit;

namespace ConcurrencyKata.Tests.Probes.SelfTests;

/// <summary>The timeline renderer is what learners read first when a check fails: its layout is pinned by snapshots.</summary>
public sealed class TimelineTests
{
    private const int Me = 1;
    private static readonly int Pid = Environment.ProcessId;

    private static object Lines(string text) => new { Lines = text.TrimEnd().Split('\n') };

    [Fact]
    public void Sequential_fetches_render_as_a_staircase()
    {
        Span[] spans =
        [
            Span.FromMilliseconds("fetch a", 0, 100, Me),
            Span.FromMilliseconds("fetch b", 100, 200, Me),
            Span.FromMilliseconds("fetch c", 200, 300, Me),
        ];

        Snapshot.Match(Lines(Timeline.Render(spans, originTicks: 0)));
        Timeline.Classify(spans).Shape.Should().Be(Shape.Sequential);
    }

    [Fact]
    public void Overlapping_waits_on_one_thread_are_concurrent_not_parallel()
    {
        Span[] spans =
        [
            Span.FromMilliseconds("fetch a", 0, 100, Me),
            Span.FromMilliseconds("fetch b", 5, 90, Me),
            Span.FromMilliseconds("checksum a", 100, 130, Me, busy: true),
            Span.FromMilliseconds("checksum b", 130, 160, Me, busy: true),
        ];

        Snapshot.Match(Lines(Timeline.Render(spans, originTicks: 0)));
        Timeline.Classify(spans).Should().Be(new Verdict(Shape.Concurrent, PeakInProgress: 2, PeakComputing: 1, Threads: 1, Processes: 1));
    }

    [Fact]
    public void Computing_at_once_on_two_threads_is_parallel()
    {
        Span[] spans =
        [
            Span.FromMilliseconds("work 1", 0, 200, 7, busy: true),
            Span.FromMilliseconds("work 2", 10, 210, 8, busy: true),
        ];

        Snapshot.Match(Lines(Timeline.Render(spans, originTicks: 0)));
        Timeline.Classify(spans).Shape.Should().Be(Shape.Parallel);
    }

    [Fact]
    public void Child_processes_are_drawn_as_process_lanes()
    {
        Span[] spans =
        [
            Span.FromMilliseconds("job 1", 0, 300, 1, busy: true, processId: 40001),
            Span.FromMilliseconds("job 2", 20, 320, 1, busy: true, processId: 40002),
        ];

        Snapshot.Match(Lines(Timeline.Render(spans, originTicks: 0)));
        Timeline.Classify(spans).ToString().Should().Contain("in 2 processes");
    }

    [Fact]
    public void Unfinished_operations_are_marked_and_long_timelines_are_cut()
    {
        var spans = Enumerable.Range(0, 30)
            .Select(i => Span.FromMilliseconds($"fetch k{i}", i * 10, i * 10 + 50, Me))
            .Append(new Span("stuck", 0, null, Me, Pid, Busy: false))
            .ToList();

        var text = Timeline.Render(spans, originTicks: 0, maxRows: 5, nowTicks: Span.ToTicks(400));

        Snapshot.Match(Lines(text));
    }

    [Fact]
    public void Computing_twice_on_one_thread_is_never_parallel()
    {
        Span[] spans =
        [
            Span.FromMilliseconds("outer", 0, 100, Me, busy: true),
            Span.FromMilliseconds("inner", 10, 50, Me, busy: true),
        ];

        Timeline.Classify(spans).Shape.Should().Be(Shape.Concurrent);
    }

    [Fact]
    public void Overlap_counts_the_peak_and_the_time_spent_with_at_least_n_at_once()
    {
        (long, long)[] intervals = [(0, 10), (5, 20), (8, 12), (20, 30)];

        Overlap.Peak(intervals).Should().Be(3, "at 8 to 10 three are in progress");
        Overlap.TicksWithAtLeast(intervals, 2).Should().Be(7, "two or more from 5 to 12; 20 is an end and a start, not an overlap");
        Overlap.TicksWithAtLeast(intervals, 3).Should().Be(2);
        Overlap.TicksWithAtLeast(intervals, 1).Should().Be(30);
        Overlap.Peak([]).Should().Be(0);
    }

    [Fact]
    public void Touching_spans_do_not_overlap()
    {
        Span[] spans =
        [
            Span.FromMilliseconds("a", 0, 10, 1, busy: true),
            Span.FromMilliseconds("b", 10, 20, 2, busy: true),
        ];

        Timeline.Classify(spans).Shape.Should().Be(Shape.Sequential);
    }

    [Fact]
    public void An_empty_timeline_says_nothing_ran()
    {
        Timeline.Render([], 0).Should().Contain("no operation was recorded");
        Timeline.Classify([]).Shape.Should().Be(Shape.Empty);
    }
}
