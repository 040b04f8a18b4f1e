using ConcurrencyKata.Contract;
using Spectre.Console;

namespace ConcurrencyKata.Runner;

/// <summary>
/// `./build.sh test`: judge what needs judging, report progress and the next step. Without
/// --exercise or --all, only the exercise the learner is on (the first unfinished one) and the
/// exercises whose files changed since their last verdict are judged; an exercise whose stub is
/// untouched is "not started" without running its checks, and every other row shows its last
/// verdict (<see cref="Verdicts"/>), which a new run would only repeat.
/// </summary>
/// <param name="verdicts">The verdicts to start from and keep; null: the repository's own (.kata/verdicts.json).</param>
public sealed class Grader(KataRepository repository, IAnsiConsole console, Verdicts? verdicts = null)
{
    /// <summary>Files whose local changes make the results meaningless (the judge and what it stands on).</summary>
    public static readonly string[] ProtectedPaths = ["tests", "support", "Directory.Build.props", "Directory.Packages.props", "global.json"];

    /// <summary>Grades every exercise (judging what needs it), or judges <paramref name="focus"/>, or with <paramref name="all"/> judges every one. Exit code 0 only when everything graded passes.</summary>
    /// <param name="inProcess">Compile the learner's edits in this process when that can stand in for MSBuild (`watch`: the compiler stays warm).</param>
    public int Run(Exercise? focus, bool all = false, bool inProcess = false)
    {
        var report = new Report(console, repository);
        report.Tampered(Git.ChangedFiles(repository.Root, ProtectedPaths));

        IReadOnlyList<Exercise> scope = focus is null ? repository.Exercises : [focus];
        var plan = Plan(repository, scope, judgeEverything: focus is not null || all, verdicts);
        var run = new TestRun([], []);
        BuildOutcome? build = null;
        string? page = null;
        IReadOnlyList<ScenarioTimeline> timelines = [];
        if (plan.Judged.Count > 0 || plan.Listed.Count > 0)
        {
            console.MarkupLine("[grey]Building your code and the judge...[/]");
            var judge = new Judge(repository);
            build = (inProcess ? judge.BuildInProcess() : null) ?? judge.Build(Variant.Exercises);
            if (!build.Succeeded)
            {
                report.CompileErrors(build);
                return 1;
            }
            console.MarkupLine(plan.Judged.Count == 0
                ? "[grey]Listing the checks...[/]"
                : $"[grey]Running the checks of exercise{(plan.Judged.Count == 1 ? "" : "s")} {Markup.Escape(string.Join(", ", plan.Judged.Select(e => e.Number)))}...[/]");
            run = judge.Test(Variant.Exercises, plan.Judged, plan.Listed);
            // the exercise the learner is on is known for sure only now (the one before it may pass
            // now): when it was shown from an earlier verdict, judge it too, so its checks are current
            while (focus is null && !all && plan.FirstUnfinished(run) is { } onIt && !plan.Judged.Contains(onIt) && plan.JudgeToo(onIt))
            {
                console.MarkupLine($"[grey]Running the checks of exercise {Markup.Escape(onIt.Number)}, the one you are on now...[/]");
                var more = judge.Test(Variant.Exercises, [onIt]);
                run = new TestRun([.. run.Outcomes, .. more.Outcomes], [.. run.Aborts, .. more.Aborts]);
            }
            timelines = ScenarioTimeline.ReadAll(judge.TimelinesFile(Variant.Exercises));
            page = run.Outcomes.Any(o => o.Outcome != Outcome.NotRun) ? TimelinePage.Write(repository, Variant.Exercises, run.Outcomes) : null;
        }

        var grades = scope.Select(e => plan.Grade(e, run)).ToList();
        plan.Keep(grades, run);
        console.WriteLine();

        report.Progress(grades, focused: focus is not null);
        var next = grades.FirstOrDefault(g => !g.IsDone);
        if (build is not null)
        {
            report.Warnings(build, (next ?? grades[0]).Exercise);
        }
        if (next is null)
        {
            if (focus is null)
            {
                report.AllDone(grades.Count);
            }
            else
            {
                report.Details(grades[0], run, page);
            }
            return 0;
        }
        report.Details(next, run, next.Failures.Any(f => TimelinePage.HasTimeline(timelines, f)) ? page : null);
        return 1;
    }

    /// <summary>Whether the exercise passes now (the gate of compare and mistakes); prints nothing. A current verdict answers without running the checks.</summary>
    public static bool Passes(KataRepository repository, Exercise exercise) => Passing(repository, [exercise]).Count == 1;

    /// <summary>
    /// Which of <paramref name="exercises"/> pass now (bench --mine); prints nothing. Current
    /// verdicts answer without running checks, untouched stubs do not pass, and the others are
    /// judged in one run; the verdicts reached are kept.
    /// </summary>
    public static IReadOnlyList<Exercise> Passing(KataRepository repository, IReadOnlyList<Exercise> exercises)
    {
        var plan = Plan(repository, exercises, judgeEverything: false);
        var run = new TestRun([], []);
        if (plan.Judged.Count > 0)
        {
            var judge = new Judge(repository);
            if (!judge.Build(Variant.Exercises).Succeeded)
            {
                return [];
            }
            run = judge.Test(Variant.Exercises, plan.Judged);
        }
        var grades = exercises.Select(e => plan.Grade(e, run)).ToList();
        if (plan.Judged.Count > 0)
        {
            plan.Keep(grades, new TestRun([], []));
        }
        return [.. grades.Where(g => g.IsDone).Select(g => g.Exercise)];
    }

    private static GradingPlan Plan(KataRepository repository, IReadOnlyList<Exercise> scope, bool judgeEverything, Verdicts? verdicts = null)
    {
        var stubs = StubManifest.Load(repository.StubManifestPath);
        return new GradingPlan(scope, verdicts ?? Verdicts.Load(repository), Verdicts.JudgeHash(repository), stubs.IsPristine, judgeEverything);
    }
}

/// <summary>
/// Which exercises a run judges, which it only lists (their stubs untouched), and which it shows
/// from their last verdict; then the grade of each, and what to keep for the next run.
/// </summary>
public sealed class GradingPlan
{
    private readonly Verdicts _verdicts;
    private readonly string _judgeHash;
    private readonly Dictionary<Exercise, string> _files;
    private readonly Dictionary<Exercise, bool> _pristine;
    private readonly Dictionary<Exercise, Verdicts.Entry?> _earlier;

    public GradingPlan(IReadOnlyList<Exercise> scope, Verdicts verdicts, string judgeHash, Func<Exercise, bool> isPristine, bool judgeEverything)
    {
        (_verdicts, _judgeHash) = (verdicts, judgeHash);
        _files = scope.ToDictionary(e => e, Verdicts.FilesHash);
        _pristine = scope.ToDictionary(e => e, isPristine);
        _earlier = scope.ToDictionary(e => e, e => judgeEverything || _pristine[e] ? null : verdicts.Current(e, _files[e], judgeHash));
        _scope = scope;
        if (judgeEverything)
        {
            _judged = [.. scope];
        }
        else
        {
            // the exercise the learner is on, and every exercise changed since its last verdict
            var onIt = scope.FirstOrDefault(e => _earlier[e]?.Status != Status.Passed);
            _judged = [.. scope.Where(e => !_pristine[e] && (e == onIt || _earlier[e] is null))];
        }
        Listed = [.. scope.Where(e => !_judged.Contains(e) && _pristine[e] && verdicts.Listing(e, judgeHash) is null)];
    }

    private readonly IReadOnlyList<Exercise> _scope;
    private readonly List<Exercise> _judged;

    /// <summary>The exercises whose checks run.</summary>
    public IReadOnlyList<Exercise> Judged => _judged;

    /// <summary>The first exercise not done, by this run's verdicts and the earlier ones.</summary>
    public Exercise? FirstUnfinished(TestRun run) => _scope.FirstOrDefault(e => !Grade(e, run).IsDone);

    /// <summary>Adds <paramref name="exercise"/> to the judged ones, unless its files are as shipped (then it is not started, whatever its checks say).</summary>
    public bool JudgeToo(Exercise exercise)
    {
        if (_pristine[exercise] || _judged.Contains(exercise))
        {
            return false;
        }
        _judged.Add(exercise);
        return true;
    }

    /// <summary>Untouched stubs whose checks are listed, not run (the list is kept for later runs).</summary>
    public IReadOnlyList<Exercise> Listed { get; }

    public ExerciseGrade Grade(Exercise exercise, TestRun run)
    {
        if (Judged.Contains(exercise))
        {
            return Grading.Grade(exercise, run, _pristine[exercise]);
        }
        if (_earlier[exercise] is { } earlier)
        {
            return new ExerciseGrade(exercise, earlier.Status, [.. earlier.Checks.Select(ToOutcome)]) { FromEarlierRun = earlier.When };
        }
        var listed = run.For(exercise).ToList() is { Count: > 0 } now ? now : _verdicts.Listing(exercise, _judgeHash)?.Select(ToOutcome).ToList() ?? [];
        return new ExerciseGrade(exercise, Status.NotStarted, [.. Grading.InOrder(listed)]);
    }

    /// <summary>Keeps the verdicts reached in this run, and the checks listed, for the next run.</summary>
    public void Keep(IEnumerable<ExerciseGrade> grades, TestRun run)
    {
        foreach (var grade in grades.Where(g => Judged.Contains(g.Exercise)))
        {
            _verdicts.Record(grade, _files[grade.Exercise], _judgeHash);
        }
        foreach (var exercise in Listed)
        {
            _verdicts.RecordListing(exercise, run.For(exercise), _judgeHash);
        }
        _verdicts.Save();
    }

    private static TestOutcome ToOutcome(Verdicts.Check c) => new(c.Class, c.Method, c.Outcome, "", "", TimeSpan.Zero) { Case = c.Case, Order = c.Order };
}
