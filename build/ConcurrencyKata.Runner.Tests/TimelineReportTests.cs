using System.Text.RegularExpressions;
using ConcurrencyKata.Contract;

namespace ConcurrencyKata.Runner.Tests;

public sealed class TimelineReportTests
{
    private static readonly Exercise Gather = new("01-async-gather", "01", "Async gather", new Track("async", "Async"), ["Code.cs"], "ConcurrencyKata.Tests.Ex01", "/x", "/y");

    private static TestOutcome Check(string method, Outcome outcome, string message = "", string @case = "")
        => new("ConcurrencyKata.Tests.Ex01.GatherTests", method, outcome, message, "", TimeSpan.Zero) { Case = @case };

    private static ScenarioTimeline Timeline(string method, params TimelineSpan[] spans) => CaseTimeline(method, "", spans);

    private static ScenarioTimeline CaseTimeline(string method, string arguments, params TimelineSpan[] spans)
        => new(new CheckId("ConcurrencyKata.Tests.Ex01.GatherTests", method, arguments), "verdict: parallel: up to 2 computing at the same instant", "Parallel", spans.Length, spans);

    private static readonly TimelineSpan[] TwoLanes =
    [
        new("work 1", "T5", 0, 100, Open: false, Busy: true),
        new("work 2", "T6", 10, 120, Open: false, Busy: true),
        new("fetch <k1>", "T6", 130, 200, Open: true, Busy: false),
    ];

    [Fact]
    public void Each_check_lists_its_outcome_verdict_message_and_one_bar_per_operation_in_a_lane_per_thread()
    {
        var outcomes = new[]
        {
            Check("Runs_in_parallel", Outcome.Failed, "Expected 2 at once.\nObserved: 1.\n\ntimeline: 3 operation(s) over 200 ms\n  work 1  T5 |###|") with { Order = 20 },
            Check("Limits", Outcome.Passed, @case: "limit: 3") with { Order = 10 },
        };
        var timelines = new[]
        {
            Timeline("Runs_in_parallel", TwoLanes),
            CaseTimeline("Limits", "limit: 3", TwoLanes[0]),
        };

        var html = TimelineReport.Render("the run", [Gather], outcomes, timelines);

        Regex.Matches(html, "<svg class=\"timeline\"").Should().HaveCount(2);
        Regex.Matches(html, "<rect class=\"bar\"").Should().HaveCount(4);
        html.Should().Contain("01 · Async gather").And.Contain("1 of 2 checks pass")
            .And.Contain("runs in parallel").And.Contain("limits (limit: 3)")
            .And.Contain("Expected 2 at once.\nObserved: 1.</pre>", "the text chart is left out where the page draws the timeline")
            .And.Contain("verdict: parallel")
            .And.Contain(">T5</text>").And.Contain(">T6</text>")
            .And.Contain("url(#open)", "an operation that never finished is striped")
            .And.Contain("fetch &lt;k1&gt;", "names are escaped").And.NotContain("fetch <k1>");
        html.IndexOf("limits (limit: 3)", StringComparison.Ordinal).Should().BeLessThan(html.IndexOf("runs in parallel", StringComparison.Ordinal), "checks come in teaching order, as the terminal lists them");
        html.Should().Contain("id=\"start-here\"").And.Contain("runs in parallel <b class=\"start\">start here</b>", "the first failing check is the one to work on");
    }

    [Fact]
    public void A_timeline_of_more_lanes_than_drawn_says_how_many_are_left_out()
    {
        var spans = Enumerable.Range(0, 46).Select(i => new TimelineSpan($"charge job {i}", $"S{i % 3} worker/{i}", i, i + 10, Open: false, Busy: false)).ToArray();

        var svg = TimelineReport.Svg(Timeline("Runs_in_parallel", spans), Outcome.Passed);

        Regex.Matches(svg, "<text class=\"lane\"").Should().HaveCount(40, "40 lanes are drawn");
        Regex.Matches(svg, "<rect class=\"bar\"").Should().HaveCount(40);
        svg.Should().Contain("6 more lanes not drawn, with 6 operations");
        TimelineReport.Svg(Timeline("Runs_in_parallel", spans[..40]), Outcome.Passed).Should().NotContain("not drawn");
    }

    [Fact]
    public void An_exercise_that_passes_shows_its_other_approaches_beside_the_code_and_its_known_mistakes_one_that_fails_does_not()
    {
        var after = new AfterPassing("yours", [new SourceFile("exercises/01/Code.cs", "class Mine {}")],
            [new ApproachView("linq-when-all", "one expression", [new SourceFile("tests/AlternativeSolutions/01/linq-when-all/Code.cs", "class <Theirs> {}")])],
            [new Mistake("overlap", "sequential-await", "awaits each fetch in turn", ["every fetch is started before any is awaited"],
                new Rejection("every fetch is started before any is awaited", "Expected all 8.\nObserved: 1 of 8.\nLook at: x",
                    Timeline("Runs", new("fetch k0", "T3", 0, 100, false, false), new("fetch k1", "T3", 100, 200, false, false)))),
             new Mistake("overlap", "never-run", "not run here", ["every fetch is started before any is awaited"], null)]);

        var passing = TimelineReport.Render("the run", [Gather], [Check("Runs", Outcome.Passed)], [], _ => after);
        var failing = TimelineReport.Render("the run", [Gather], [Check("Runs", Outcome.Failed, "no")], [], _ => after);

        passing.Should().Contain("class=\"approach\"").And.Contain("<b>linq-when-all</b>: one expression")
            .And.Contain("class Mine {}").And.Contain("class &lt;Theirs&gt; {}")
            .And.Contain("class=\"mistake\"").And.Contain("<h4>overlap</h4>").And.Contain("Observed: 1 of 8.").And.NotContain("Look at: x")
            .And.Contain("<div class=\"mistake-timeline\"><svg class=\"timeline\"", "the rejecting check's timeline is drawn under its mistake")
            .And.Contain("document.body.dataset.approaches");
        Regex.Matches(passing, "class=\"mistake-timeline\"").Should().HaveCount(1, "a mistake never run here has no timeline");
        failing.Should().NotContain("class=\"approach\"").And.NotContain("class=\"mistake\"");
    }

    [Fact]
    public void A_bar_is_placed_and_sized_in_proportion_to_its_time_and_never_thinner_than_a_pixel()
    {
        var svg = TimelineReport.Svg(Timeline("c", new("a", "T1", 0, 500, false, true), new("b", "T2", 500, 1000, false, false), new("c", "T2", 600, 600.001, false, true)), Outcome.Passed);

        var bars = Regex.Matches(svg, "<rect class=\"bar\" x=\"([0-9.]+)\" y=\"([0-9.]+)\" width=\"([0-9.]+)\"")
            .Select(m => (X: double.Parse(m.Groups[1].Value), Y: double.Parse(m.Groups[2].Value), Width: double.Parse(m.Groups[3].Value))).ToList();
        bars.Should().HaveCount(3);
        bars[0].Width.Should().BeApproximately(bars[1].Width, 0.01, "two halves of the run");
        bars[1].X.Should().BeApproximately(bars[0].X + bars[0].Width, 0.01, "the second starts where the first ends");
        bars[1].Y.Should().BeGreaterThan(bars[0].Y, "another lane");
        bars[2].Width.Should().Be(1);
    }

    [Fact]
    public void Operations_in_progress_at_once_on_one_lane_get_rows_of_their_own_and_one_after_another_share_a_row()
    {
        TimelineSpan[] spans =
        [
            new("fetch 1", "T5", 0, 100, false, false),
            new("fetch 2", "T5", 10, 100, false, false),
            new("fetch 3", "T5", 100, 150, false, false),
            new("work", "T6", 0, 50, false, true),
        ];

        var (rowOf, rowsOf) = TimelineReport.PackRows(spans, ["T5", "T6"]);

        rowOf.Should().Equal(0, 1, 0, 0);
        rowsOf.Should().Equal(2, 1);
        var ys = Regex.Matches(TimelineReport.Svg(Timeline("c", spans), Outcome.Passed), "<rect class=\"bar\" x=\"[0-9.]+\" y=\"([0-9.]+)\"")
            .Select(m => double.Parse(m.Groups[1].Value)).ToList();
        ys[1].Should().BeGreaterThan(ys[0]);
        ys[2].Should().Be(ys[0]);
        ys[3].Should().BeGreaterThan(ys[1], "the next lane starts below both rows of the first");
    }

    [Fact]
    public void A_lane_never_grows_past_its_row_limit()
    {
        var spans = Enumerable.Range(0, 100).Select(i => new TimelineSpan($"fetch {i}", "T5", i * 0.01, 100, false, false)).ToList();

        var (rowOf, rowsOf) = TimelineReport.PackRows(spans, ["T5"]);

        rowsOf.Should().Equal(20);
        rowOf.Max().Should().Be(19);
    }

    [Fact]
    public void A_page_without_any_timeline_says_how_to_get_one()
    {
        TimelineReport.Render("the run", [Gather], [Check("Runs", Outcome.Passed)], []).Should().Contain("No timeline was recorded").And.Contain("(no timeline)");
    }

    [SkippableFact]
    public void The_page_draws_every_bar_with_a_size_in_a_headless_browser()
    {
        var browser = HeadlessBrowser.Find();
        Skip.If(browser is null, "no Chromium on the PATH: `./build.sh ci` installs it with apt-get where it can");
        var dir = Path.Combine(Path.GetTempPath(), "kata-report-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var page = TimelineReport.Write(dir, "the run", [Gather], [Check("Runs_in_parallel", Outcome.Failed, "no")],
                [Timeline("Runs_in_parallel", TwoLanes)]);

            browser!.Inspect(page).Should().Be(new DrawnPage(Timelines: 1, Bars: 3, DrawnBars: 3, Approaches: 0, Mistakes: 0, Rejections: 0, MistakeTimelines: 0));
            browser.Screenshot(page, Path.Combine(dir, "shot.png"), 800, 600).Should().BeTrue();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

public sealed class BenchOutputTests
{
    [Fact]
    public void An_empty_folder_lacks_every_part_and_each_is_named()
    {
        var dir = Directory.CreateTempSubdirectory("kata-bench-").FullName;
        try
        {
            var problems = Bench.CheckOutput(dir);

            problems.Should().Contain("report.md is missing").And.Contain("results.json is missing")
                .And.Contain("cpu-bound.png is missing or not a PNG").And.Contain("i-o-bound.svg is missing or not an SVG").And.Contain("mixed.png is missing or not a PNG");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_complete_output_passes_and_a_workload_without_timings_does_not()
    {
        var dir = Directory.CreateTempSubdirectory("kata-bench-").FullName;
        try
        {
            byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0];
            foreach (var name in Bench.Workloads.Select(w => new string([.. w.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-')])))
            {
                File.WriteAllBytes(Path.Combine(dir, name + ".png"), png);
                File.WriteAllText(Path.Combine(dir, name + ".svg"), "<svg></svg>");
            }
            File.WriteAllText(Path.Combine(dir, "report.md"), string.Concat(Bench.Workloads.Select(w => $"## {w}: x\n")) + "## Unit costs: x\n");
            string Cells(string workload, double median) => string.Join(",", new[] { "sequential", "a", "b" }.Select(s =>
                $$"""{"workload":"{{workload}}","strategy":"{{s}}","median":{{median}},"seconds":[0.1,0.2]}"""));
            var named = string.Join(",", Bench.Workloads.Select(w => $$"""{"name":"{{w}}","baseline":"sequential"}"""));
            string Json(double cpuMedian) => $$$"""{"workloads":[{{{named}}}],"cells":[{{{string.Join(",", Bench.Workloads.Select(w => Cells(w, w == "CPU-bound" ? cpuMedian : 0.1)))}}}],"unitCosts":[1,2,3,4],"gather":{"seconds":0.2}}""";
            File.WriteAllText(Path.Combine(dir, "results.json"), Json(0.1));

            Bench.CheckOutput(dir).Should().BeEmpty();

            File.WriteAllText(Path.Combine(dir, "results.json"), Json(0));
            Bench.CheckOutput(dir).Should().ContainSingle().Which.Should().Contain("CPU-bound");

            // --mine: a row of the learner's for each exercise asked for, named "... (NN), yours"
            File.WriteAllText(Path.Combine(dir, "results.json"), Json(0.1).Replace("\"strategy\":\"b\"", "\"strategy\":\"dedicated threads (07), yours\""));
            Bench.CheckOutput(dir, ["07"]).Should().BeEmpty();
            Bench.CheckOutput(dir, ["07", "12"]).Should().ContainSingle().Which.Should().Be("results.json has no row of yours for exercise 12 (a strategy named \"... (12), yours\")");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
