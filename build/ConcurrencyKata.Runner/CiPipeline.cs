using ConcurrencyKata.Contract;
using System.Diagnostics;
using Spectre.Console;

namespace ConcurrencyKata.Runner;

/// <summary>
/// `./build.sh ci`: proves the judge discriminates. Every reference solution passes, every
/// untouched stub fails, every negative control is rejected by its exercise's checks, and the
/// runner's own tests pass. Ends with one line "N passed, N failed". With a <paramref name="focus"/>
/// (`ci --exercise=13`, while working on one exercise) only that exercise's reference, stub, controls
/// and alternatives are judged, and the runner's own tests are left out: not a whole ci.
/// </summary>
public sealed class CiPipeline(KataRepository repository, IAnsiConsole console, Exercise? focus = null)
{
    private IReadOnlyList<Exercise> Exercises => focus is null ? repository.Exercises : [focus];

    private IEnumerable<Control> Controls(ControlKind kind) => repository.Controls(kind).Where(c => focus is null || c.Exercise.Id == focus.Id);

    private int _passed;
    private int _failed;
    private (HeadlessBrowser? Browser, string Reason)? _browser;

    public int Run()
    {
        var clock = Stopwatch.StartNew();
        var judge = new Judge(repository, strict: true);
        Course();
        RunnersOwnTests();
        ReferenceSolutions(judge);
        Stubs(judge);
        NegativeControls(judge);
        MistakesInReport();
        AlternativeSolutions(judge);
        if (focus is null)
        {
            Section("bench --smoke: the comparison runs and writes its report (its shape is checked, not its speed)");
            BenchRuns();
        }
        Section("no worker process outlives its test, nor a test host killed mid-run");
        NoWorkerLeftBehind(judge);

        EndSection();
        console.WriteLine();
        console.MarkupLine($"[grey]ci finished in {clock.Elapsed.TotalSeconds:0} s: {Markup.Escape(string.Join(", ", _took.Select(t => $"{t.Section} {t.Seconds:0} s")))}[/]");
        console.WriteLine($"{_passed} passed, {_failed} failed");
        return _failed == 0 ? 0 : 1;
    }

    private void Course()
    {
        Section("course: every exercise declared in exercises/course.json is complete; the entry scripts pass their arguments on");
        foreach (var check in CourseChecks.Run(repository).Concat(EntryScripts.Check(repository.Root)))
        {
            Check(check.Ok, check.What, check.WhyNot);
        }
    }

    private void RunnersOwnTests()
    {
        Section("the runner's own tests");
        if (focus is null)
        {
            EnsureBrowser(); // first: one of the runner's tests opens a page in it
            RunnerSelfTests();
        }
        else
        {
            console.MarkupLine($"[grey]left out: ci --exercise={Markup.Escape(focus.Number)} judges that exercise only[/]");
        }
    }

    private void ReferenceSolutions(Judge judge)
    {
        Section("reference solutions: every check passes");
        var solutions = BuildOrFail(judge, Variant.Solutions);
        if (solutions)
        {
            var run = judge.Test(Variant.Solutions, Exercises, selfTests: focus is null);
            ReportAbort(run);
            foreach (var outcome in run.Outcomes.OrderBy(o => o.FullName, StringComparer.Ordinal))
            {
                // a check may skip itself with a stated reason (a probe the platform cannot read)
                Check(outcome.Outcome is Outcome.Passed or Outcome.Skipped,
                    outcome.Outcome == Outcome.Skipped ? $"{Short(outcome)} (skipped{(outcome.Message.Length > 0 ? ": " + outcome.Explanation : "")})" : Short(outcome),
                    outcome.Outcome == Outcome.Passed ? null : outcome.Explanation);
            }
            var page = TimelinePage.Write(repository, Variant.Solutions, run.Outcomes);
            var drawn = ScenarioTimeline.ReadAll(judge.TimelinesFile(Variant.Solutions));
            Check(page is not null && (drawn.Count > 0 || focus is not null), $"the reference run's timelines are in {(page is null ? "artifacts/report/" : repository.Relative(page))} ({drawn.Count} scenario(s), `{Terminal.Command} report --solutions`)",
                "the judge's host kept no timeline (--timelines): the HTML report would be empty");
            if (page is not null && drawn.Count > 0)
            {
                ReportInBrowser(page);
            }
            foreach (var exercise in Exercises)
            {
                Check(run.For(exercise).Any(), $"{exercise.Id} has checks", "no test of the judge belongs to this exercise (namespace " + exercise.TestNamespace + ")");
                // the README's table of checks, row by row, against the checks as the judge declares them
                var methods = Grading.InOrder(run.For(exercise)).Select(o => o.MethodName).Distinct().ToList();
                var table = ChecksTable.Compare(exercise, File.Exists(exercise.ReadmePath) ? File.ReadAllText(exercise.ReadmePath) : "", methods);
                Check(table.Ok, table.What, table.WhyNot);
            }
            if (focus is null)
            {
                var readme = Path.Combine(repository.Root, "README.md");
                var platforms = PlatformTable.Compare(File.Exists(readme) ? File.ReadAllText(readme) : "", PlatformTable.Expected(Exercises.Select(e => (e, run.For(e)))));
                Check(platforms.Ok, platforms.What, platforms.WhyNot);
            }
        }
    }

    private void Stubs(Judge judge)
    {
        Section("stubs: untouched, and every one fails its checks");
        var manifest = StubManifest.Load(repository.StubManifestPath);
        var differences = manifest.Differences(StubManifest.Compute(repository));
        Check(differences.Count == 0, "exercises/ match exercises/stubs.sha256",
            $"differs: {string.Join(", ", differences)}. If you changed a stub on purpose, run `{Terminal.Command} lock-stubs`.");
        if (BuildOrFail(judge, Variant.Exercises))
        {
            // one failing check per stub is all there is to show: each exercise's run stops at its
            // first failure (a stub that waits out every check's patience would cost half a minute)
            foreach (var exercise in Exercises)
            {
                var took = Stopwatch.StartNew();
                var run = judge.TestUntilRejected(Variant.Exercises, exercise);
                var failing = run.For(exercise).Where(o => o.Outcome == Outcome.Failed).ToList();
                var hung = Grading.HungIn(run, exercise) || (run.WasAborted && failing.Count == 0);
                Check(failing.Count > 0 || hung,
                    $"stub of {exercise.Id} fails: {(hung ? "hung (the test host was stopped)" : failing.Count > 0 ? failing[0].Check : "")} [{took.Elapsed.TotalSeconds:0.0} s]",
                    "every check passes against the untouched stub: the checks cannot tell an empty exercise from a solved one");
            }
            if (differences.Count == 0)
            {
                FirstScreen();
                ClosedUntilPassed();
            }
        }
    }

    /// <summary>
    /// What a learner sees once an exercise passes stays closed before it does: with every stub
    /// untouched, compare and mistakes refuse (exit code 1, saying why and how to go on), and
    /// --force opens them. Run as a learner runs them, through the command line.
    /// </summary>
    private void ClosedUntilPassed()
    {
        var clock = Stopwatch.StartNew();
        var problems = new List<string>();
        foreach (var exercise in Exercises)
        {
            foreach (var (command, opened) in new[] { ("compare", "Correct approaches to"), ("mistakes", "Known wrong solutions of") })
            {
                var closed = new StringWriter();
                var code = Commands.Run([command, $"--exercise={exercise.Number}"], Terminal.Create(closed, colour: false), repository.Root);
                if (code != 1 || !closed.ToString().Contains("does not pass yet", StringComparison.Ordinal) || closed.ToString().Contains(opened, StringComparison.Ordinal))
                {
                    problems.Add($"{command} --exercise={exercise.Number} on the untouched stub: exit code {code}, expected 1 and a refusal; it printed:\n{Text.LastLines(closed.ToString(), 5)}");
                }
                var forced = new StringWriter();
                code = Commands.Run([command, $"--exercise={exercise.Number}", "--force"], Terminal.Create(forced, colour: false), repository.Root);
                if (code != 0 || !forced.ToString().Contains(opened, StringComparison.Ordinal))
                {
                    problems.Add($"{command} --exercise={exercise.Number} --force: exit code {code}, expected 0 and \"{opened}\"; it printed:\n{Text.LastLines(forced.ToString(), 5)}");
                }
            }
        }
        Check(problems.Count == 0, $"before an exercise passes, compare and mistakes refuse to show the reference, the approaches and the known mistakes; --force shows them ({Exercises.Count} exercise{(Exercises.Count == 1 ? "" : "s")}) [{clock.Elapsed.TotalSeconds:0.0} s]",
            string.Join("\n", problems));
    }

    /// <summary>The README's sample screen is what `test` prints on a fresh clone: every stub untouched, no verdict yet.</summary>
    private void FirstScreen()
    {
        var screen = new StringWriter();
        new Grader(repository, Terminal.Create(screen, colour: false), Verdicts.Fresh()).Run(focus: null);
        var readme = Path.Combine(repository.Root, "README.md");
        var sample = File.Exists(readme) ? ReadmeSample.Of(File.ReadAllText(readme)) : null;
        var differs = sample is null ? "README.md has no code block" : ReadmeSample.Differs(sample, screen.ToString());
        Check(differs is null, $"README.md's sample screen is what `{Terminal.Command} test` prints on a fresh clone",
            $"{differs}\nWhat it prints (paste it, keeping or adding \"...\" lines):\n{screen}");
    }

    private void NegativeControls(Judge judge)
    {
        Section("negative controls: each is rejected by its exercise's checks");
        foreach (var control in Controls(ControlKind.Negative))
        {
            var took = Stopwatch.StartNew();
            if (Judged(judge, control, untilRejected: true) is not { } run)
            {
                continue;
            }
            // a check that skipped itself proved nothing (a busy machine lent no second core): run the control again
            var runs = 1;
            while (!Rejected(run) && runs < RunsWhileItsCheckSkips && SkippedItsCheck(control, run))
            {
                run = judge.TestUntilRejected(Variant.Of(control), control.Exercise, control.CaughtBy);
                runs++;
            }
            var rejectedBy = run.For(control.Exercise).Where(o => o.Outcome == Outcome.Failed).ToList();
            var hung = Grading.HungIn(run, control.Exercise) || (run.WasAborted && rejectedBy.Count == 0);
            var again = runs > 1 ? $" (run {runs} times: its check skipped itself before)" : "";
            var detail = hung
                ? $"hung (the test host was stopped){again}"
                : rejectedBy.Count > 0 ? $"rejected by: {string.Join("; ", rejectedBy.Select(r => r.Check))}{NotCaughtWhereDeclared(control, rejectedBy)}{again}" : again.TrimStart();
            Check(rejectedBy.Count > 0 || hung, $"{control.ShortName} ({control.Summary}) {detail} [{took.Elapsed.TotalSeconds:0.0} s]",
                "every check passes: the judge cannot tell this known-wrong implementation from a right one");

            bool Rejected(TestRun r) => r.WasAborted || Grading.HungIn(r, control.Exercise) || r.For(control.Exercise).Any(o => o.Outcome == Outcome.Failed);
        }
    }

    private void AlternativeSolutions(Judge judge)
    {
        Section("alternative solutions: each passes every check of its exercise");
        foreach (var control in Controls(ControlKind.Alternative))
        {
            var took = Stopwatch.StartNew();
            if (Judged(judge, control, untilRejected: false) is not { } run)
            {
                continue;
            }
            var outcomes = run.For(control.Exercise).ToList();
            // as for the reference: a check may skip itself with a stated reason (one core, no /proc)
            var failed = outcomes.Where(o => o.Outcome == Outcome.Failed).ToList();
            var skipped = outcomes.Count(o => o.Outcome == Outcome.Skipped);
            Check(outcomes.Count > 0 && failed.Count == 0 && !run.WasAborted,
                $"{control.ShortName} ({control.Summary}){(skipped > 0 ? $" ({skipped} check(s) skipped themselves, with a reason)" : "")} [{took.Elapsed.TotalSeconds:0.0} s]",
                run.WasAborted ? string.Join("\n", run.Aborts.Select(Report.Explain)) : (outcomes.Count == 0
                    ? "no check ran"
                    : "the judge rejects a correct implementation:\n" + string.Join("\n", failed.Select(f => $"{f.Check}: {f.Explanation}"))));
        }
    }

    /// <summary>Builds the judge with the control swapped in and runs its exercise's checks; null (and a failed check) if it does not compile.</summary>
    private TestRun? Judged(Judge judge, Control control, bool untilRejected)
    {
        var variant = Variant.Of(control);
        var build = judge.Build(variant); // the solutions project keeps a control's analyzer warnings as warnings
        if (!build.Succeeded)
        {
            Check(false, control.ShortName, "does not compile: " + string.Join("; ", build.Errors.Take(3)));
            return null;
        }
        return untilRejected ? judge.TestUntilRejected(variant, control.Exercise, control.CaughtBy) : judge.TestAlternative(variant, control.Exercise);
    }

    /// <summary>
    /// How often a control is run while the check meant to catch it skips itself and nothing else
    /// rejects it: a check that judges from the machine's cores skips when the machine lent it no
    /// second core, which proves nothing either way.
    /// </summary>
    internal const int RunsWhileItsCheckSkips = 3;

    /// <summary>Whether a check named in the control's "Caught by" skipped itself in <paramref name="run"/>.</summary>
    internal static bool SkippedItsCheck(Control control, TestRun run)
        => run.For(control.Exercise).Any(o => o.Outcome == Outcome.Skipped && control.CaughtBy.Contains(o.MethodName));

    /// <summary>A note when a control declares the checks meant to catch it and another one did: those let it through this time.</summary>
    internal static string NotCaughtWhereDeclared(Control control, IReadOnlyList<TestOutcome> rejectedBy)
        => control.CaughtBy.Count == 0 || rejectedBy.Any(r => control.CaughtBy.Contains(r.MethodName))
            ? ""
            : $" (its \"Caught by\" check let it through: {string.Join(", ", control.CaughtBy.Select(TestOutcome.Humanize))})";

    /// <summary>
    /// The processes track starts worker processes: none may outlive the checks. A test host killed
    /// in the middle of a check (kill -9: nothing of it runs any more) must not leave its workers
    /// running either: each worker watches its parent and exits when it has gone. Then, after every
    /// run of ci, `ps` must find no worker of this repository.
    /// </summary>
    private void NoWorkerLeftBehind(Judge judge)
    {
        if (!WorkerProcesses.CanList)
        {
            console.MarkupLine("[grey]skipped: `ps` is not available on this platform[/]");
            return;
        }
        // the whole processes track's checks (a focused run on one of them too: its own reference may start no worker)
        var processes = focus is null || focus.Track.Id == "processes" ? repository.Exercises.Where(e => e.Track.Id == "processes").ToList() : [];
        if (processes.Count > 0 && File.Exists(judge.AssemblyPath(Variant.Solutions)))
        {
            var killedWith = judge.KillHostWhileItHasWorkers(Variant.Solutions, processes, TimeSpan.FromSeconds(60));
            var clock = Stopwatch.StartNew();
            var left = killedWith.Count == 0 ? [] : WorkerProcesses.WaitUntilGone(repository.Root, [.. killedWith.Select(w => w.ProcessId)], TimeSpan.FromSeconds(5));
            Check(killedWith.Count > 0 && left.Count == 0,
                $"a test host killed mid-run leaves no worker: {killedWith.Count} worker(s) gone {clock.Elapsed.TotalMilliseconds:0} ms after it was killed",
                killedWith.Count == 0
                    ? "the judge's host never had a worker process within 60 s of starting the processes track's checks"
                    : $"still running 5 s after their host was killed: {string.Join("; ", left.Select(w => $"PID {w.ProcessId}: {w.CommandLine}"))}. " +
                      "A worker must exit when its parent has gone (WorkerLoop.ExitWhenOrphaned).");
        }
        var running = WorkerProcesses.WaitUntilGone(repository.Root, [.. WorkerProcesses.Running(repository.Root).Select(w => w.ProcessId)], TimeSpan.FromSeconds(2));
        Check(running.Count == 0, "no worker process of this repository is running after ci (ps)",
            $"still running: {string.Join("; ", running.Select(w => $"PID {w.ProcessId} (parent {w.ParentId}): {w.CommandLine}"))}");
    }

    /// <summary>
    /// Opens the reference run's report in headless Chromium (installed with apt-get when missing and
    /// possible; skipped with the reason otherwise): every timeline's bars must be laid out with a
    /// size. Keeps a screenshot next to the page.
    /// </summary>
    private void ReportInBrowser(string page)
    {
        var (browser, reason) = EnsureBrowser();
        if (browser is null)
        {
            console.MarkupLine($"[grey]skipped: the report in a headless browser: {Markup.Escape(reason)}[/]");
            return;
        }
        var screenshot = Path.Combine(Path.GetDirectoryName(page)!, "screenshot.png");
        try
        {
            var drawn = browser.Inspect(page);
            var shot = browser.Screenshot(page, screenshot);
            Check(drawn.Timelines > 0 && drawn.Bars > 0 && drawn.DrawnBars == drawn.Bars && shot,
                $"the report draws in {Path.GetFileName(browser.Executable)}: {drawn.Timelines} timelines, {drawn.DrawnBars} of {drawn.Bars} bars laid out with a size; screenshot {repository.Relative(screenshot)}",
                $"Expected every timeline's bars to be drawn with a non-zero size and a screenshot. Observed: {drawn.Timelines} timelines, {drawn.DrawnBars} of {drawn.Bars} bars drawn, screenshot {(shot ? "taken" : "missing")}.");
            Check(drawn.Approaches > 0 && drawn.Mistakes > 0,
                $"the report shows, under every exercise that passes, its other approaches and its known mistakes: {drawn.Approaches} approaches, {drawn.Mistakes} mistakes",
                $"Expected the reference's run (every exercise passing) to list the alternatives and the negative controls. Observed: {drawn.Approaches} approaches, {drawn.Mistakes} mistakes.");
        }
        catch (KataException e)
        {
            Check(false, "the report opens in a headless browser", e.Message);
        }
    }

    /// <summary>
    /// After the controls' runs: the reference run's page again, now with what each known mistake's
    /// check said and, where that check draws one, its timeline (as a learner's page shows them once
    /// an exercise passes, after <c>mistakes --run</c>).
    /// </summary>
    private void MistakesInReport()
    {
        var page = TimelinePage.Write(repository, Variant.Solutions);
        var (browser, reason) = page is null ? (null, "the reference run left no results") : EnsureBrowser();
        if (browser is null)
        {
            console.MarkupLine($"[grey]skipped: the known mistakes in the report: {Markup.Escape(reason)}[/]");
            return;
        }
        var mistakes = Exercises.SelectMany(e => Mistakes.Of(repository, e)).ToList();
        var expected = mistakes.Count;
        // a timeline where the rejecting check drew one (some draw none: 05's event loop, argument checks); a whole run's must have some
        var withTimeline = mistakes.Count(m => m.Rejection?.Timeline is not null);
        try
        {
            var drawn = browser.Inspect(page!);
            Check(drawn.Mistakes == expected && drawn.Rejections == expected && drawn.MistakeTimelines == withTimeline && (focus is not null || withTimeline > 0),
                $"the report shows what rejected each known mistake: {drawn.Rejections} of {drawn.Mistakes} with their check's message, {drawn.MistakeTimelines} with its timeline",
                $"Expected each of the {expected} negative controls just run to be listed with the message of the check that rejected it, and the {withTimeline} whose check drew a timeline with it" +
                $"{(focus is null ? " (some must have one)" : "")}. Observed: {drawn.Mistakes} listed, {drawn.Rejections} with a message, {drawn.MistakeTimelines} with a timeline.");
        }
        catch (KataException e)
        {
            Check(false, "the report opens in a headless browser", e.Message);
        }
    }

    private void BenchRuns()
    {
        var clock = Stopwatch.StartNew();
        // built with the reference under the alias `mine` too: the rows bench --mine adds for a learner are measured here with the reference's code
        if (Bench.Build(repository, Bench.Mine.Solutions) is { } failure)
        {
            Check(false, "the bench builds", failure);
            return;
        }
        var mine = Bench.Measured(repository, Bench.Mine.Solutions);
        var output = Bench.OutputDirectory(repository);
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }
        var run = ProcessRunner.Run("dotnet", [Bench.Program(repository, Bench.Mine.Solutions), "--smoke", "--out", output, "--mine", string.Join(",", mine)], repository.Root, TimeSpan.FromMinutes(3));
        var problems = run.ExitCode == 0 ? Bench.CheckOutput(output, mine) : [$"it exited with code {run.ExitCode}{(run.TimedOut ? " (stopped after 3 minutes)" : "")}:\n{Text.LastLines(run.Output, 20)}"];
        Check(problems.Count == 0, $"bench --smoke wrote its table, report.md, results.json and a chart per workload (PNG, SVG) to {repository.Relative(output)}/, " +
                                   $"with the rows --mine adds for {string.Join(", ", mine)} [{clock.Elapsed.TotalSeconds:0.0} s]",
            string.Join("\n", problems));
    }

    /// <summary>Headless Chromium for the report's checks: found, or installed (once per ci), or the reason there is none.</summary>
    private (HeadlessBrowser? Browser, string Reason) EnsureBrowser()
    {
        if (_browser is { } known)
        {
            return known;
        }
        if (HeadlessBrowser.Find() is null)
        {
            console.MarkupLine("[grey]no Chromium on the PATH: installing Debian's chromium with apt-get where that is possible (about a minute)...[/]");
        }
        var found = HeadlessBrowser.FindOrInstall(repository.Root);
        _browser = found;
        return found;
    }

    private void RunnerSelfTests()
    {
        var resultsDir = Path.Combine(repository.StateDirectory, "results", "runner");
        Directory.CreateDirectory(resultsDir);
        var trx = Path.Combine(resultsDir, "results.trx");
        File.Delete(trx);
        // built apart from the runner that is running now (the entry scripts built that one, warnings
        // allowed): here the runner and its tests compile with warnings as errors, into .kata/ci/strict
        var strict = Path.Combine(repository.StateDirectory, "ci", "strict");
        var result = ProcessRunner.Run("dotnet",
            ["test", repository.RunnerTestsProject, "-nologo", "-v:q", "-p:TreatWarningsAsErrors=true", "-p:UseArtifactsOutput=true", $"-p:ArtifactsPath={strict}",
             "--logger", "trx;LogFileName=" + trx, "--results-directory", resultsDir],
            repository.Root, TimeSpan.FromMinutes(10));
        if (!File.Exists(trx))
        {
            Check(false, "the runner and its tests build with warnings as errors, and its tests run", Text.LastLines(result.Output, 20));
            return;
        }
        Check(true, "the runner and its tests build with warnings as errors", null);
        foreach (var outcome in TrxReader.Read(trx))
        {
            // as for the judge: a test may skip itself with a stated reason (no browser here)
            Check(outcome.Outcome is Outcome.Passed or Outcome.Skipped,
                outcome.Outcome == Outcome.Skipped ? $"{Short(outcome)} (skipped: {outcome.Explanation})" : Short(outcome),
                outcome.Explanation);
        }
    }

    private bool BuildOrFail(Judge judge, Variant variant)
    {
        var build = judge.Build(variant);
        Check(build.Succeeded, $"judge builds against {variant.Description} ({build.Elapsed.TotalSeconds:0.0} s)",
            string.Join("\n", build.Errors.Select(e => e.ToString())));
        return build.Succeeded;
    }

    private void ReportAbort(TestRun run)
    {
        foreach (var abort in run.Aborts)
        {
            Check(false, "the test run completed", Report.Explain(abort));
        }
    }

    /// <summary>How long each section took, in the order they ran: where ci's time goes.</summary>
    private readonly List<(string Section, double Seconds)> _took = [];
    private (string Title, Stopwatch Clock)? _section;

    private void EndSection()
    {
        if (_section is { } ended)
        {
            var shortTitle = ended.Title.Split(':')[0];
            _took.Add((shortTitle, ended.Clock.Elapsed.TotalSeconds));
            console.MarkupLine($"[grey]({Markup.Escape(shortTitle)}: {ended.Clock.Elapsed.TotalSeconds:0} s)[/]");
        }
        _section = null;
    }

    private void Section(string title)
    {
        EndSection();
        _section = (title, Stopwatch.StartNew());
        console.WriteLine();
        console.MarkupLine($"[bold]== {Markup.Escape(title)}[/]");
    }

    private void Check(bool ok, string what, string? whyNot)
    {
        if (ok)
        {
            _passed++;
            console.MarkupLine($"[green]PASS[/] {Markup.Escape(what)}");
            return;
        }
        _failed++;
        console.MarkupLine($"[red]FAIL[/] {Markup.Escape(what)}");
        if (!string.IsNullOrWhiteSpace(whyNot))
        {
            foreach (var line in whyNot.Split('\n').Take(40))
            {
                console.MarkupLine($"     {Markup.Escape(line)}");
            }
        }
    }

    private static string Short(TestOutcome outcome)
        => $"{outcome.ClassName.Replace("ConcurrencyKata.", "", StringComparison.Ordinal)}: {outcome.Check}";

}
