using System.Globalization;
using System.Net;
using System.Text;
using ConcurrencyKata.Contract;

namespace ConcurrencyKata.Runner;

/// <summary>
/// `./build.sh report`: the last run's checks as a self-contained HTML page (no network needed),
/// per exercise and per check, each scenario's timeline drawn as SVG: one lane per thread or
/// process, one bar per operation (solid while computing, pale while waiting, striped if it never
/// finished), coloured by the check's outcome, with the verdict and, for a failing check, its message.
/// </summary>
public static class TimelineReport
{
    public const string FileName = "index.html";

    private const int MinLabelWidth = 70;
    private const int PlotWidth = 860;
    private const int LaneHeight = 16;
    private const int RowHeight = 10;
    private const int MaxRowsPerLane = 20;
    private const int AxisHeight = 18;
    private const int MaxLanes = 40;
    private const int NoteHeight = 16;

    /// <summary>Writes the page to <paramref name="directory"/>/index.html and returns its path.</summary>
    public static string Write(string directory, string title, IReadOnlyList<Exercise> exercises, IReadOnlyList<TestOutcome> outcomes, IReadOnlyList<ScenarioTimeline> timelines,
        Func<Exercise, AfterPassing?>? afterPassing = null)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        File.WriteAllText(path, Render(title, exercises, outcomes, timelines, afterPassing));
        return path;
    }

    /// <param name="afterPassing">What to show under an exercise whose checks all passed: its other approaches and its known mistakes.</param>
    public static string Render(string title, IReadOnlyList<Exercise> exercises, IReadOnlyList<TestOutcome> outcomes, IReadOnlyList<ScenarioTimeline> timelines,
        Func<Exercise, AfterPassing?>? afterPassing = null)
    {
        var byCheck = timelines.GroupBy(t => t.Check).ToDictionary(g => g.Key, g => g.ToList());
        var html = new StringBuilder();
        html.Append($$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>{{E(title)}}</title>
            <style>
            body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
            h2 { margin-top: 32px; border-bottom: 1px solid #ccc; }
            details { margin: 6px 0 6px 8px; } summary { cursor: pointer; }
            .passed { color: #1a7f37; } .failed { color: #cf222e; } .skipped { color: #9a6700; }
            .start { color: #0969da; margin-left: 8px; }
            .side { display: flex; gap: 12px; margin-left: 16px; } .side > div { flex: 1; min-width: 0; } .side pre { margin-left: 0; }
            .mistake { margin: 4px 0; } .mistake small { color: #555; }
            .verdict { color: #555; margin: 2px 0 2px 16px; font-style: italic; }
            pre { background: #f6f8fa; padding: 8px; margin-left: 16px; white-space: pre-wrap; max-height: 24em; overflow: auto; }
            svg { display: block; margin: 4px 0 12px 16px; }
            .lane { font: 11px monospace; fill: #555; } .tick { font: 10px sans-serif; fill: #777; }
            .legend span { display: inline-block; margin-right: 16px; }
            .swatch { display: inline-block; width: 24px; height: 10px; margin-right: 4px; vertical-align: middle; }
            </style></head>
            <body>
            <h1>{{E(title)}}</h1>
            <p class="legend"><span><i class="swatch" style="background:#2da44e"></i>computing (passed check)</span>
            <span><i class="swatch" style="background:#2da44e;opacity:.35"></i>waiting</span>
            <span><i class="swatch" style="background:#cf222e"></i>failed check</span>
            <span><i class="swatch" style="background:#8c959f"></i>skipped</span>
            <span><i class="swatch" style="background:repeating-linear-gradient(45deg,#bf8700 0 3px,#fff 3px 6px)"></i>never finished</span></p>
            <p>One lane per thread (T<i>id</i>), process (P<i>pid</i>) or grain activation (its silo, grain type and key: S2 account/alice); time runs left to right, in milliseconds from the check's start.
            The verdict says what the bars show: <b>sequential</b> (one at a time), <b>concurrent, not parallel</b> (several in
            progress, never two computing at once) or <b>parallel</b> (computing at the same instant on different threads or processes).</p>

            """);
        var drawn = 0;
        foreach (var exercise in exercises)
        {
            // in teaching order, as the terminal lists them; the first failing check is the one to work on
            var checks = Grading.InOrder(outcomes.Where(o => exercise.Owns(o.ClassName))).ToList();
            var first = checks.FirstOrDefault(c => c.Outcome == Outcome.Failed);
            if (checks.Count == 0)
            {
                continue;
            }
            var failed = checks.Count(c => c.Outcome == Outcome.Failed);
            html.Append($"<h2 id=\"ex{E(exercise.Number)}\">{E(exercise.Number)} · {E(exercise.Title)} <small class=\"{(failed > 0 ? "failed" : "passed")}\">" +
                        $"{checks.Count - failed} of {checks.Count} checks pass</small></h2>\n");
            foreach (var check in checks)
            {
                var state = check.Outcome.ToString().ToLowerInvariant();
                var scenarios = byCheck.GetValueOrDefault(check.Id) ?? [];
                html.Append($"<details class=\"check\"{(check == first ? " id=\"start-here\"" : "")}{(check.Outcome == Outcome.Failed || scenarios.Count > 0 ? " open" : "")}><summary><span class=\"{state}\">{state}</span> {E(check.Check)}" +
                            $"{(check == first ? " <b class=\"start\">start here</b>" : "")}{(scenarios.Count == 0 ? " <small>(no timeline)</small>" : "")}</summary>\n");
                if (check.Outcome != Outcome.Passed && check.Message.Length > 0)
                {
                    html.Append($"<pre>{E(WithoutAsciiTimeline(check.Explanation, scenarios.Count > 0))}</pre>\n");
                }
                foreach (var timeline in scenarios)
                {
                    html.Append($"<p class=\"verdict\">{E(timeline.Verdict)}{(timeline.Total > timeline.Spans.Count ? $" (the first {timeline.Spans.Count} of {timeline.Total} operations drawn)" : "")}</p>\n");
                    html.Append(Svg(timeline, check.Outcome));
                    drawn++;
                }
                html.Append("</details>\n");
            }
            if (failed == 0 && checks.Any(c => c.Outcome == Outcome.Passed) && afterPassing?.Invoke(exercise) is { } after)
            {
                AppendAfterPassing(html, after);
            }
        }
        if (drawn == 0)
        {
            html.Append("<p>No timeline was recorded: run the checks first (<code>./build.sh test</code>).</p>\n");
        }
        // a self-check a headless browser can read back (--dump-dom): how many bars were laid out with a size
        html.Append("""
            <script>
            window.addEventListener('load', () => {
              // the known mistakes' timelines are folded away until opened: counted on their own
              const bars = [...document.querySelectorAll('rect.bar')].filter(b => !b.closest('.mistakes'));
              document.body.dataset.timelines = [...document.querySelectorAll('svg.timeline')].filter(t => !t.closest('.mistakes')).length;
              document.body.dataset.bars = bars.length;
              document.body.dataset.drawnBars = bars.filter(b => { const r = b.getBoundingClientRect(); return r.width > 0 && r.height > 0; }).length;
              document.body.dataset.approaches = document.querySelectorAll('.approach').length;
              document.body.dataset.mistakes = document.querySelectorAll('.mistake').length;
              document.body.dataset.rejections = document.querySelectorAll('.mistake pre').length;
              document.body.dataset.mistakeTimelines = document.querySelectorAll('.mistake-timeline svg.timeline').length;
            });
            </script>
            </body></html>

            """);
        return html.ToString();
    }

    /// <summary>An exercise that passes: each other correct approach beside the code that passed, then the known wrong solutions by category.</summary>
    private static void AppendAfterPassing(StringBuilder html, AfterPassing after)
    {
        html.Append($"<details class=\"approaches\"><summary>Other correct approaches ({after.Approaches.Count}): each passes every check</summary>\n");
        foreach (var approach in after.Approaches)
        {
            html.Append($"<details class=\"approach\"><summary><b>{E(approach.Name)}</b>: {E(approach.Summary)}</summary>\n<div class=\"side\">");
            html.Append($"<div><b>{E(after.YoursLabel)}</b>{string.Concat(after.Yours.Select(f => $"<p><code>{E(f.Path)}</code></p><pre>{E(f.Text)}</pre>"))}</div>");
            html.Append($"<div><b>{E(approach.Name)}</b>{string.Concat(approach.Files.Select(f => $"<p><code>{E(f.Path)}</code></p><pre>{E(f.Text)}</pre>"))}</div>");
            html.Append("</div></details>\n");
        }
        html.Append("</details>\n");
        html.Append($"<details class=\"mistakes\"><summary>Known wrong solutions ({after.Mistakes.Count}): each one, and the check that catches it</summary>\n");
        foreach (var group in after.Mistakes.GroupBy(m => m.Category))
        {
            html.Append($"<h4>{E(group.Key)}</h4>\n");
            foreach (var mistake in group)
            {
                html.Append($"<div class=\"mistake\"><b>{E(mistake.Name)}</b>: {E(mistake.Summary)}<br><small>caught by: {E(string.Join(", ", mistake.CaughtBy))}</small>");
                if (mistake.Rejection is { } rejection)
                {
                    html.Append($"<pre>{E(rejection.Check)}:\n{E(string.Join("\n", Mistakes.Gist(rejection.Message)))}</pre>");
                    if (rejection.Timeline is { } timeline)
                    {
                        html.Append($"<div class=\"mistake-timeline\">{Svg(timeline, Outcome.Failed)}</div>");
                    }
                }
                html.Append("</div>\n");
            }
        }
        html.Append("</details>\n");
    }

    /// <summary>One scenario as an SVG chart: a label column of lanes, bars scaled to the longest end, ticks along the top.</summary>
    public static string Svg(ScenarioTimeline timeline, Outcome outcome)
    {
        var everyLane = timeline.Spans.Select(s => s.Lane).Distinct().ToList();
        var lanes = everyLane.Take(MaxLanes).ToList();
        // the lanes past the limit are named by number under the chart, so that nothing is left out unsaid
        var notDrawn = everyLane.Skip(MaxLanes).ToHashSet(StringComparer.Ordinal);
        var noteHeight = notDrawn.Count > 0 ? NoteHeight : 0;
        // wide enough for the longest lane's name (a grain's activation: "S2 search/search-1a2b3c4d")
        var labelWidth = Math.Max(MinLabelWidth, 8 + 7 * lanes.Select(l => l.Length).DefaultIfEmpty(0).Max());
        // operations in progress at once on one lane (async calls started by one thread) each get a row of their own
        var (rowOf, rowsOf) = PackRows(timeline.Spans, lanes);
        var firstRow = new int[lanes.Count];
        for (var i = 1; i < lanes.Count; i++)
        {
            firstRow[i] = firstRow[i - 1] + rowsOf[i - 1];
        }
        var rows = lanes.Count == 0 ? 0 : firstRow[^1] + rowsOf[^1];
        var span = Math.Max(1.0, timeline.Spans.Count == 0 ? 1.0 : timeline.Spans.Max(s => s.End));
        var height = AxisHeight + rows * RowHeight + (LaneHeight - RowHeight) * lanes.Count + 4 + noteHeight;
        double LaneTop(int lane) => AxisHeight + firstRow[lane] * RowHeight + lane * (LaneHeight - RowHeight);
        var colour = outcome switch { Outcome.Passed => "#2da44e", Outcome.Failed => "#cf222e", _ => "#8c959f" };
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{labelWidth + PlotWidth + 10}\" height=\"{height:0}\" role=\"img\" aria-label=\"{E(timeline.Verdict)}\">\n");
        svg.Append("<defs><pattern id=\"open\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"3\" height=\"6\" fill=\"#bf8700\"/></pattern></defs>\n");
        var step = NiceStep(span / 8);
        for (var t = 0.0; t <= span + 1e-9; t += step)
        {
            var x = labelWidth + t / span * PlotWidth;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x:0.#}\" y1=\"{AxisHeight - 4}\" x2=\"{x:0.#}\" y2=\"{height:0}\" stroke=\"#eee\"/><text class=\"tick\" x=\"{x:0.#}\" y=\"11\" text-anchor=\"middle\">{t:0.##} ms</text>\n");
        }
        for (var i = 0; i < lanes.Count; i++)
        {
            var top = LaneTop(i);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"0\" y1=\"{top:0.#}\" x2=\"{labelWidth + PlotWidth}\" y2=\"{top:0.#}\" stroke=\"#ddd\"/>" +
                                                      $"<text class=\"lane\" x=\"4\" y=\"{top + 12:0.#}\">{E(lanes[i])}</text>\n");
        }
        foreach (var (s, index) in timeline.Spans.Select((s, i) => (s, i)))
        {
            var lane = lanes.IndexOf(s.Lane);
            if (lane < 0)
            {
                continue;
            }
            var x = labelWidth + s.Start / span * PlotWidth;
            var width = Math.Max(1.0, (s.End - s.Start) / span * PlotWidth);
            var fill = s.Open ? "url(#open)" : colour;
            var opacity = s.Busy || s.Open ? 1.0 : 0.35;
            var y = LaneTop(lane) + (LaneHeight - RowHeight) / 2.0 + rowOf[index] * RowHeight + 1;
            svg.Append(CultureInfo.InvariantCulture,
                $"<rect class=\"bar\" x=\"{x:0.##}\" y=\"{y:0.#}\" width=\"{width:0.##}\" height=\"{RowHeight - 2}\" fill=\"{fill}\" fill-opacity=\"{opacity:0.##}\" stroke=\"#fff\" stroke-width=\"0.5\">" +
                $"<title>{E(s.Name)} on {E(s.Lane)}: {s.Start:0.#}–{s.End:0.#} ms{(s.Open ? ", never finished" : s.Busy ? ", computing" : ", waiting")}</title></rect>\n");
        }
        if (notDrawn.Count > 0)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"lane not-drawn\" x=\"4\" y=\"{height - 5:0}\">{notDrawn.Count} more lanes not drawn, with {timeline.Spans.Count(s => notDrawn.Contains(s.Lane))} operations (the first {MaxLanes} lanes are)</text>\n");
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>
    /// The row of each span within its lane: the first row whose last operation has ended by the
    /// time it starts (so overlapping operations of one lane are drawn one under another), at most
    /// <see cref="MaxRowsPerLane"/> rows per lane (more share the last one). Also the rows each lane needs.
    /// </summary>
    internal static (int[] RowOf, int[] RowsOf) PackRows(IReadOnlyList<TimelineSpan> spans, IReadOnlyList<string> lanes)
    {
        var rowOf = new int[spans.Count];
        var rowsOf = new int[lanes.Count];
        for (var lane = 0; lane < lanes.Count; lane++)
        {
            var ends = new List<double>();
            foreach (var i in Enumerable.Range(0, spans.Count).Where(i => spans[i].Lane == lanes[lane]).OrderBy(i => spans[i].Start))
            {
                var row = ends.FindIndex(end => end <= spans[i].Start);
                if (row < 0)
                {
                    row = Math.Min(ends.Count, MaxRowsPerLane - 1);
                    if (row == ends.Count)
                    {
                        ends.Add(0);
                    }
                }
                ends[row] = Math.Max(ends[row], spans[i].End);
                rowOf[i] = row;
            }
            rowsOf[lane] = Math.Max(1, ends.Count);
        }
        return (rowOf, rowsOf);
    }

    /// <summary>A failure message without the text chart the terminal shows, when the page draws that timeline below it.</summary>
    internal static string WithoutAsciiTimeline(string message, bool drawnBelow)
    {
        var chart = message.IndexOf(ScenarioTimeline.ChartMarker, StringComparison.Ordinal);
        return drawnBelow && chart >= 0 ? message[..chart].TrimEnd() : message;
    }

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="rough"/>.</summary>
    internal static double NiceStep(double rough)
    {
        var power = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(rough, 1e-6))));
        return new[] { 1.0, 2.0, 5.0, 10.0 }.Select(m => m * power).First(s => s >= rough);
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}

/// <summary>The report of a variant's last run, from the files the judge's host left in .kata/results.</summary>
public static class TimelinePage
{
    /// <summary>artifacts/report/ in the repository.</summary>
    public static string Directory(KataRepository repository) => Path.Combine(repository.Root, "artifacts", "report");

    /// <summary>Writes the page for <paramref name="variant"/>'s last run (or the given <paramref name="outcomes"/>); null when that run left no results.</summary>
    public static string? Write(KataRepository repository, Variant variant, IReadOnlyList<TestOutcome>? outcomes = null)
    {
        var judge = new Judge(repository);
        outcomes ??= HostResultsReader.Read(judge.ResultsFile(variant)).Outcomes;
        if (outcomes.Count == 0)
        {
            return null;
        }
        return TimelineReport.Write(Directory(repository), $"ConcurrencyKata: the checks of {variant.Description}, as they ran",
            repository.Exercises, outcomes, ScenarioTimeline.ReadAll(judge.TimelinesFile(variant)), e => AfterPassing.For(repository, e, variant));
    }

    /// <summary>Whether the last run of <paramref name="variant"/> kept a timeline for <paramref name="check"/>.</summary>
    public static bool HasTimeline(IReadOnlyList<ScenarioTimeline> timelines, TestOutcome check)
        => timelines.Any(t => t.Check == check.Id);
}

/// <summary>A source file as the page shows it.</summary>
public sealed record SourceFile(string Path, string Text);

/// <summary>Another correct approach to an exercise: its name, its "// Approach:" line, its files.</summary>
public sealed record ApproachView(string Name, string Summary, IReadOnlyList<SourceFile> Files);

/// <summary>What the page shows under an exercise that passes: the code that passed, the other correct approaches, the known mistakes.</summary>
public sealed record AfterPassing(string YoursLabel, IReadOnlyList<SourceFile> Yours, IReadOnlyList<ApproachView> Approaches, IReadOnlyList<Mistake> Mistakes)
{
    /// <summary>For the learner's run, their code beside each alternative; for the reference's run (ci's), the reference beside them.</summary>
    public static AfterPassing For(KataRepository repository, Exercise exercise, Variant variant)
    {
        var learners = variant.Name == Variant.Exercises.Name;
        var folder = learners ? exercise.Directory : exercise.SolutionDirectory;
        IReadOnlyList<SourceFile> Files(string dir, IEnumerable<string> names)
            => [.. names.Select(f => new SourceFile(repository.Relative(Path.Combine(dir, f)), File.ReadAllText(Path.Combine(dir, f))))];
        var approaches = Runner.Approaches.Of(repository, exercise)
            .Select(a => new ApproachView(a.Name, a.Summary, Files(Runner.Approaches.DirectoryOf(repository, a), a.Files.Where(f => f.EndsWith(".cs", StringComparison.Ordinal)))))
            .ToList();
        return new AfterPassing(learners ? "yours" : "the reference", Files(folder, KataRepository.SourceFilesUnder(folder)), approaches, Runner.Mistakes.Of(repository, exercise));
    }
}
