using Spectre.Console;

namespace ConcurrencyKata.Runner;

/// <summary>What `./build.sh test` prints: progress over all exercises, then the first unfinished one in detail.</summary>
public sealed class Report(IAnsiConsole console, KataRepository repository)
{
    private const int MaxMessageLines = 60;

    /// <summary>Why a run ended early, in the learner's words: the one place these words are written.</summary>
    public static string Explain(Abort abort)
    {
        var name = abort.Test ?? "a test";
        return abort.Kind switch
        {
            AbortKind.TimedOut => "the test run did not finish in time and was stopped.",
            AbortKind.Hung => $"hung: {name} ran for more than {Judge.HangTimeout.TotalSeconds:0} s and the test host was stopped. " +
                              "This is usually thread-pool starvation: many threads each blocked in .Result or .Wait(), " +
                              "so nothing is left to run the work they wait for. Await instead of blocking.",
            AbortKind.Crashed => $"crashed: the test host died while running {name} (for example a StackOverflowException, " +
                                 "or an exception thrown on a thread with nobody to catch it: a callback of yours, or an event loop's Post)." +
                                 (string.IsNullOrWhiteSpace(abort.Output) ? "" : "\nThe host's last words:\n" + abort.Output),
            _ => "the test host ended before reporting any result:\n" + abort.Output,
        };
    }

    public void Tampered(IReadOnlyList<string> changedFiles)
    {
        if (changedFiles.Count == 0)
        {
            return;
        }
        console.MarkupLine("[yellow bold]These results do not count:[/] the judge or the support code differs from the committed version:");
        foreach (var file in changedFiles.Take(10))
        {
            console.MarkupLine($"  [yellow]{Markup.Escape(file)}[/]");
        }
        console.MarkupLine("[grey]Restore them with `git checkout -- tests support` (your exercises are not touched).[/]");
        console.WriteLine();
    }

    public void CompileErrors(BuildOutcome build)
    {
        var errors = build.Errors.ToList();
        console.MarkupLine($"[red bold]Your code does not compile[/] ({errors.Count} error{(errors.Count == 1 ? "" : "s")}); nothing was tested:");
        console.WriteLine();
        foreach (var error in errors.Take(20))
        {
            console.MarkupLine($"  [bold]{Markup.Escape(error.Location)}[/]  [red]{Markup.Escape(error.Code)}[/] {Markup.Escape(error.Message)}");
        }
        if (errors.Count > 20)
        {
            console.MarkupLine($"  [grey]... and {errors.Count - 20} more[/]");
        }
        console.WriteLine();
        console.MarkupLine("[grey]Fix the first error first: later ones often follow from it.[/]");
    }

    /// <summary>
    /// Analyzer warnings in one exercise's files (the threading analyzers flag blocking calls).
    /// MSBuild reports them when it compiles the exercises, so they show right after an edit.
    /// </summary>
    public void Warnings(BuildOutcome build, Exercise exercise)
    {
        var folder = repository.Relative(exercise.Directory) + "/";
        var warnings = build.Diagnostics
            .Where(d => !d.IsError && d.File is not null && d.File.StartsWith(folder, StringComparison.Ordinal))
            .ToList();
        if (warnings.Count == 0)
        {
            return;
        }
        console.MarkupLine("[yellow]The analyzers flag these lines in your code[/] (often a blocking call):");
        foreach (var warning in warnings.Take(10))
        {
            console.MarkupLine($"  {Markup.Escape(warning.Location)}  [yellow]{Markup.Escape(warning.Code)}[/] {Markup.Escape(warning.Message)}");
        }
        console.WriteLine();
    }

    public void Progress(IReadOnlyList<ExerciseGrade> grades, bool focused)
    {
        var done = grades.Count(g => g.IsDone);
        if (!focused)
        {
            console.MarkupLine($"[bold]ConcurrencyKata[/]: {done} of {grades.Count} exercises done");
            console.WriteLine();
        }
        var table = new Table().Border(TableBorder.Simple).HideRowSeparators();
        table.AddColumn("#");
        table.AddColumn("exercise");
        table.AddColumn("status");
        table.AddColumn(new TableColumn("checks").RightAligned());
        // grouped by track (async, threads, processes), each under a row of its own
        foreach (var track in grades.GroupBy(g => g.Exercise.Track))
        {
            var trackDone = track.Count(g => g.IsDone);
            table.AddRow(
                new Markup(""),
                new Markup($"[bold]{Markup.Escape(track.Key.Title)}[/] [grey]({trackDone} of {track.Count()})[/]"),
                new Markup(""),
                new Markup(""));
            foreach (var grade in track)
            {
                var checks = grade.Checks.Count == 0 ? "-" : $"{grade.Passing}/{grade.Checks.Count}";
                table.AddRow(
                    new Markup(Markup.Escape(grade.Exercise.Number)),
                    new Markup("  " + Markup.Escape(grade.Exercise.Title)),
                    new Markup(StatusMarkup(grade.Status) + (grade.FromEarlierRun is null ? "" : " [grey]*[/]")),
                    new Markup(checks));
            }
        }
        console.Write(table);
        if (grades.Any(g => g.FromEarlierRun is not null))
        {
            console.MarkupLine($"[grey]* from an earlier run: neither the exercise's files nor the judge have changed since. {Markup.Escape(Terminal.Command)} test --all judges every exercise again.[/]");
        }
    }

    /// <summary>The failing checks of one exercise, each with its message and timeline, and where to go next.</summary>
    /// <param name="timelinePage">The HTML report of this run, named when a failing check has a timeline there.</param>
    public void Details(ExerciseGrade grade, TestRun run, string? timelinePage = null)
    {
        var exercise = grade.Exercise;
        console.WriteLine();
        var heading = grade.Status switch
        {
            Status.NotStarted => "Next up",
            Status.Passed => "Done",
            _ => "Keep going",
        };
        console.MarkupLine($"[bold]{heading}: {Markup.Escape(exercise.Number)} {Markup.Escape(exercise.Title)}[/]  [grey]({Markup.Escape(repository.Relative(exercise.Directory))}/)[/]");

        foreach (var abort in run.Aborts.Where(a => a.In(exercise) || (grade.Status != Status.Passed && a.Test is null)))
        {
            console.MarkupLine($"  [red]{Markup.Escape(Explain(abort))}[/]");
        }

        var failures = grade.Failures.ToList();
        var messages = failures.GroupBy(f => f.Explanation).ToList();
        var first = Grading.FirstFailure(grade);
        if (failures.Count == 0 && grade.Status == Status.NotStarted)
        {
            // an untouched stub: its checks listed, not run, in the order to take them
            console.MarkupLine("  Not started: the files are as shipped, so the checks were not run. Checks to make pass, in order:");
            ListChecks(grade, grade.Checks.FirstOrDefault(c => c.Outcome == Outcome.NotRun), "    ");
        }
        else if (failures.Count > 1 && (messages.Count == 1 || grade.Status == Status.NotStarted))
        {
            // an untouched stub: one message, many checks
            console.MarkupLine($"  The checks fail with: [red]{Markup.Escape(messages[0].Key)}[/]");
            console.MarkupLine("  Checks to make pass, in order:");
            ListChecks(grade, first, "    ");
        }
        else
        {
            // every check in teaching order, the first failing one marked; then the failures' messages, that one's first
            ListChecks(grade, first, "  ");
            foreach (var failure in failures)
            {
                console.WriteLine();
                console.MarkupLine($"  {Mark(failure)} [bold]{Markup.Escape(failure.Check)}[/]{(failure == first && failures.Count > 1 ? "  [cyan](start here)[/]" : "")}");
                var lines = failure.Explanation.Split('\n');
                foreach (var line in lines.Take(MaxMessageLines))
                {
                    console.MarkupLine($"      {Colour(line)}");
                }
                if (lines.Length > MaxMessageLines)
                {
                    console.MarkupLine($"      [grey]... {lines.Length - MaxMessageLines} more lines[/]");
                }
                if (Grading.LearnerFrame(failure.StackTrace) is { } frame)
                {
                    console.MarkupLine($"      [grey]thrown at[/] {Markup.Escape(frame)}");
                }
            }
        }

        console.WriteLine();
        if (grade.Status == Status.Passed)
        {
            console.MarkupLine($"  Compare with the reference: [bold]{Markup.Escape(Terminal.Command)} compare --exercise={exercise.Number}[/] [grey](and the other correct approaches)[/]");
            console.MarkupLine($"  The known mistakes:         [bold]{Markup.Escape(Terminal.Command)} mistakes --exercise={exercise.Number}[/]");
            return;
        }
        if (timelinePage is not null)
        {
            console.MarkupLine($"  Timelines:      [bold]{Markup.Escape(repository.Relative(timelinePage))}[/] [grey](what ran when, drawn; open it in a browser)[/]");
        }
        console.MarkupLine($"  Read the task:  [bold]{Markup.Escape(repository.Relative(exercise.ReadmePath))}[/]");
        console.MarkupLine($"  Stuck?          [bold]{Markup.Escape(Terminal.Command)} hint --exercise={exercise.Number}[/]");
        console.MarkupLine($"  Re-run on save: [bold]{Markup.Escape(Terminal.Command)} watch --exercise={exercise.Number}[/]");
    }

    public void AllDone(int count)
    {
        console.WriteLine();
        console.MarkupLine($"[green bold]All {count} exercises pass.[/] Compare your code with the reference: {Markup.Escape(Terminal.Command)} compare --exercise=NN");
    }

    /// <summary>Every check of the exercise in teaching order, <paramref name="next"/> marked as the one to work on.</summary>
    private void ListChecks(ExerciseGrade grade, TestOutcome? next, string indent)
    {
        foreach (var check in grade.Checks)
        {
            var marker = check == next ? "  [cyan]<- start here[/]" : "";
            console.MarkupLine($"{indent}{Mark(check)} {Markup.Escape(check.Check)}{marker}");
        }
    }

    private static string StatusMarkup(Status status) => status switch
    {
        Status.Passed => "[green]passed[/]",
        Status.Failing => "[red]failing[/]",
        Status.NotStarted => "[grey]not started[/]",
        _ => "[yellow]not run[/]",
    };

    private static string Mark(TestOutcome check) => check.Outcome switch
    {
        Outcome.Passed => "[green]✓[/]",
        Outcome.Skipped => "[yellow]-[/]",
        Outcome.NotRun => "[grey]·[/]",
        _ => "[red]✗[/]",
    };

    private static string Colour(string line)
    {
        var escaped = Markup.Escape(line);
        if (line.StartsWith("Expected", StringComparison.Ordinal))
        {
            return $"[green]{escaped}[/]";
        }
        if (line.StartsWith("Observed", StringComparison.Ordinal))
        {
            return $"[red]{escaped}[/]";
        }
        if (line.StartsWith("Look", StringComparison.Ordinal))
        {
            return $"[cyan]{escaped}[/]";
        }
        return line.StartsWith("verdict:", StringComparison.Ordinal) ? $"[bold]{escaped}[/]" : escaped;
    }
}
