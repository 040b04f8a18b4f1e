using Spectre.Console;

namespace ConcurrencyKata.Runner.Tests;

public sealed class WorkflowTests
{
    private static TestOutcome Outcome(string ns, string method, Outcome outcome, string message = "")
        => new($"ConcurrencyKata.Tests.{ns}.SomeTests", method, outcome, message, "", TimeSpan.Zero);

    [Fact]
    public void Exercises_are_passed_failing_not_started_or_not_run()
    {
        using var kata = new TempKata().Exercise("01-a", "A").Exercise("02-b", "B").Exercise("03-c", "C").Exercise("04-d", "D");
        var exercises = kata.Repository.Exercises;
        var run = new TestRun(
        [
            Outcome("Ex01", "One", Runner.Outcome.Passed),
            Outcome("Ex01", "Two", Runner.Outcome.Passed),
            Outcome("Ex02", "One", Runner.Outcome.Passed),
            Outcome("Ex02", "Two", Runner.Outcome.Failed, "Expected x"),
            Outcome("Ex03", "One", Runner.Outcome.Failed, "System.NotImplementedException : todo"),
        ], []);

        var grades = Grading.Grade(exercises, run, e => e.Number == "03" || e.Number == "02" && false);

        grades.Select(g => g.Status).Should().Equal(Status.Passed, Status.Failing, Status.NotStarted, Status.NotRun);
        grades[1].Passing.Should().Be(1);
    }

    [Fact]
    public void A_run_that_hung_in_an_exercise_does_not_count_as_passed()
    {
        using var kata = new TempKata().Exercise("01-a", "A");
        var run = new TestRun([Outcome("Ex01", "One", Runner.Outcome.Passed)], [new Abort(AbortKind.Hung, "ConcurrencyKata.Tests.Ex01.SomeTests.Two")]);

        Grading.Grade(kata.Repository.Exercises[0], run, pristine: false).Status.Should().Be(Status.Failing);
    }

    [Fact]
    public void The_report_shows_progress_and_the_failing_checks_with_their_timeline_without_colour_codes()
    {
        using var kata = new TempKata().Exercise("01-a", "01 · Gather").Exercise("02-b", "02 · Bounded");
        var repository = kata.Repository;
        var run = new TestRun(
        [
            Outcome("Ex01", "Every_fetch_starts", Runner.Outcome.Failed, "Expected all 8 fetches.\nObserved: 1 of 8.\n\ntimeline: 8 operation(s)\nverdict: sequential: one operation at a time, on 1 thread"),
            Outcome("Ex01", "Order_is_kept", Runner.Outcome.Passed),
        ], []);
        var grades = Grading.Grade(repository.Exercises, run, _ => false);
        var writer = new StringWriter();
        var report = new Report(Terminal.Create(writer, colour: false), repository);

        report.Progress(grades, focused: false);
        report.Details(grades[0], run);

        var text = writer.ToString();
        text.Should().Contain("0 of 2 exercises done")
            .And.Contain("Gather").And.Contain("failing").And.Contain("1/2")
            .And.Contain("✗ every fetch starts")
            .And.Contain("Observed: 1 of 8.")
            .And.Contain("verdict: sequential")
            .And.Contain("✓ order is kept")
            .And.Contain("exercises/01-a/README.md")
            .And.Contain("hint --exercise=01");
        text.Should().NotContain("\u001b[", "no colour codes without a terminal");
    }

    [Fact]
    public void The_report_lists_checks_in_teaching_order_and_marks_the_first_failing_one_showing_its_message_first()
    {
        using var kata = new TempKata().Exercise("01-a", "01 · Gather");
        var run = new TestRun(
        [
            Outcome("Ex01", "A_late_check", Runner.Outcome.Failed, "Expected late.") with { Order = 30 },
            Outcome("Ex01", "Basics_first", Runner.Outcome.Passed) with { Order = 10 },
            Outcome("Ex01", "Then_this", Runner.Outcome.Failed, "Expected this.") with { Order = 20 },
        ], []);
        var grade = Grading.Grade(kata.Repository.Exercises[0], run, pristine: false);
        var writer = new StringWriter();

        new Report(Terminal.Create(writer, colour: false), kata.Repository).Details(grade, run);

        var lines = writer.ToString().Split('\n').Select(l => l.TrimEnd()).ToList();
        var listed = lines.Where(l => l.StartsWith("  ✓ ", StringComparison.Ordinal) || l.StartsWith("  ✗ ", StringComparison.Ordinal)).Take(3).ToList();
        listed.Should().Equal("  ✓ basics first", "  ✗ then this  <- start here", "  ✗ a late check");
        var text = string.Join('\n', lines);
        text.IndexOf("Expected this.", StringComparison.Ordinal).Should().BeLessThan(text.IndexOf("Expected late.", StringComparison.Ordinal), "the first failing check's message comes first");
        text.Should().Contain("✗ then this  (start here)");
    }

    [Fact]
    public void Compile_errors_are_listed_with_file_and_line()
    {
        using var kata = new TempKata().Exercise("01-a", "A");
        var writer = new StringWriter();
        var build = new BuildOutcome(false, [new Diagnostic("error", "CS1002", "; expected", "exercises/01-a/Code.cs", 12, 5)], TimeSpan.Zero);

        new Report(Terminal.Create(writer, colour: false), kata.Repository).CompileErrors(build);

        writer.ToString().Should().Contain("does not compile").And.Contain("exercises/01-a/Code.cs:12:5").And.Contain("CS1002 ; expected");
    }

    [Fact]
    public void Local_changes_to_the_judge_are_announced()
    {
        using var kata = new TempKata();
        var writer = new StringWriter();

        new Report(Terminal.Create(writer, colour: false), kata.Repository).Tampered(["tests/ConcurrencyKata.Tests/Ex01/AsyncGatherTests.cs"]);

        writer.ToString().Should().Contain("do not count").And.Contain("AsyncGatherTests.cs");
    }

    [Fact]
    public void Compare_gives_a_unified_diff_with_context()
    {
        var yours = string.Join('\n', Enumerable.Range(1, 12).Select(i => $"line {i}")) + "\n";
        var reference = yours.Replace("line 6\n", "line six\n", StringComparison.Ordinal);

        var diff = Compare.Diff(yours, reference, "exercises/x.cs", "solutions/x.cs");

        diff.Should().Equal(
            "--- exercises/x.cs", "+++ solutions/x.cs", "@@ -3,7 +3,7 @@",
            " line 3", " line 4", " line 5", "-line 6", "+line six", " line 7", " line 8", " line 9");
        Compare.Diff("same\n", "same\r\n", "a", "b").Should().BeEmpty();
    }

    [Fact]
    public void The_solutions_branch_holds_the_reference_in_exercises_and_leaves_the_work_tree_alone()
    {
        using var kata = new TempKata().Exercise("01-a", "A", stub: "stub\n", solution: "reference\n");
        kata.Git("init", "-q", "-b", "main");
        kata.Git("add", "-A");
        kata.Git("commit", "-q", "-m", "kata");
        kata.Write("exercises/01-a/Code.cs", "my work in progress\n");
        var head = kata.Git("rev-parse", "HEAD");

        SolutionsBranch.Refresh(kata.Repository);

        kata.Git("show", "solutions:exercises/01-a/Code.cs").Should().Be("reference");
        kata.Git("rev-parse", "solutions^").Should().Be(head, "the branch sits on top of the current commit");
        kata.Git("rev-parse", "HEAD").Should().Be(head);
        kata.Git("symbolic-ref", "--short", "HEAD").Should().Be("main");
        kata.Read("exercises/01-a/Code.cs").Should().Be("my work in progress\n");
        kata.Git("diff", "solutions", "--", "exercises/01-a").Should().Contain("-reference").And.Contain("+my work in progress");

        // refreshing again is fine
        SolutionsBranch.Refresh(kata.Repository);
        kata.Git("show", "solutions:exercises/01-a/Code.cs").Should().Be("reference");
    }

    [Fact]
    public void Hint_progress_is_remembered_per_exercise()
    {
        using var kata = new TempKata().Exercise("01-a", "A").Exercise("02-b", "B");
        var progress = new HintProgress(Path.Combine(kata.Root, ".kata", "hints.json"));
        var (first, second) = (kata.Repository.Exercises[0], kata.Repository.Exercises[1]);

        progress.Seen(first).Should().Be(0);
        progress.Record(first, 2);

        new HintProgress(Path.Combine(kata.Root, ".kata", "hints.json")).Seen(first).Should().Be(2);
        progress.Seen(second).Should().Be(0);
    }
}

public sealed class CommandTests
{
    private static (int Code, string Output) Run(TempKata kata, params string[] args)
    {
        var writer = new StringWriter();
        var code = Commands.Run(args, Terminal.Create(writer, colour: false), kata.Root);
        return (code, writer.ToString());
    }

    [Fact]
    public void Help_lists_every_command_of_the_table_with_its_parameters()
    {
        using var kata = new TempKata().Exercise("01-a", "A");

        var (code, output) = Run(kata, "help");

        code.Should().Be(0);
        foreach (var command in Commands.All)
        {
            output.Should().Contain($"  {command.Name} ").And.Contain(command.Summary);
            foreach (var parameter in command.Parameters)
            {
                output.Should().Contain(parameter.Usage);
            }
        }
        output.Should().Contain("For maintainers:");
    }

    [Fact]
    public void An_unknown_target_says_so_and_points_at_help()
    {
        using var kata = new TempKata().Exercise("01-a", "A");

        var (code, output) = Run(kata, "bogus");

        code.Should().Be(2);
        output.Should().Contain("Unknown target 'bogus'").And.Contain("help");
    }

    [Fact]
    public void A_command_that_needs_an_exercise_says_how_to_name_one()
    {
        using var kata = new TempKata().Exercise("01-a", "A");

        var (code, output) = Run(kata, "hint");

        code.Should().Be(2);
        output.Should().Contain("--exercise=01");
    }

    [Fact]
    public void List_prints_the_exercises_of_the_manifest_with_their_track()
    {
        using var kata = new TempKata().Exercise("01-a", "A").Exercise("07-b", "B", track: "threads");

        var (code, output) = Run(kata, "list");

        code.Should().Be(0);
        output.Should().Contain("01-a\tasync\tA").And.Contain("07-b\tthreads\tB");
    }
}
