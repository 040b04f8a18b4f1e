using Spectre.Console;

namespace ConcurrencyKata.Runner;

/// <summary>`./build.sh test`: build the learner's code, run the judge, report progress and the next step.</summary>
public sealed class Grader(KataRepository repository, IAnsiConsole console)
{
    /// <summary>Files whose local changes make the results meaningless (the judge and what it stands on).</summary>
    public static readonly string[] ProtectedPaths = ["tests", "support", "Directory.Build.props", "Directory.Packages.props", "global.json"];

    /// <summary>Grades every exercise, or only <paramref name="focus"/>. Exit code 0 only when everything graded passes.</summary>
    public int Run(Exercise? focus)
    {
        var report = new Report(console, repository);
        report.Tampered(Git.ChangedFiles(repository.Root, ProtectedPaths));

        console.MarkupLine("[grey]Building your code and the judge...[/]");
        var judge = new Judge(repository);
        var build = judge.Build(Variant.Exercises);
        if (!build.Succeeded)
        {
            report.CompileErrors(build);
            return 1;
        }

        IReadOnlyList<Exercise> scope = focus is null ? repository.Exercises : [focus];
        console.MarkupLine(focus is null
            ? "[grey]Running the checks of every exercise...[/]"
            : $"[grey]Running the checks of exercise {Markup.Escape(focus.Number)}...[/]");
        var run = judge.Test(Variant.Exercises, focus is null ? null : scope);
        var timelines = CheckTimeline.Read(judge.TimelinesFile(Variant.Exercises));
        var page = run.Outcomes.Count > 0 ? TimelinePage.Write(repository, Variant.Exercises, run.Outcomes) : null;
        var manifest = StubManifest.Load(repository.StubManifestPath);
        var grades = Grading.Grade(scope, run, manifest.IsPristine);
        console.WriteLine();

        report.Progress(grades, focused: focus is not null);
        var next = grades.FirstOrDefault(g => !g.IsDone);
        report.Warnings(build, (next ?? grades[0]).Exercise);
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

    /// <summary>Whether the exercise passes now (used by compare); prints nothing.</summary>
    public static bool Passes(KataRepository repository, Exercise exercise)
    {
        var judge = new Judge(repository);
        if (!judge.Build(Variant.Exercises).Succeeded)
        {
            return false;
        }
        var run = judge.Test(Variant.Exercises, [exercise]);
        return Grading.Grade(exercise, run, pristine: false).IsDone;
    }
}
