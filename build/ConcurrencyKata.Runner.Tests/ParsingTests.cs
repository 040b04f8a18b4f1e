using System.Xml.Linq;
using ConcurrencyKata.Contract;

namespace ConcurrencyKata.Runner.Tests;

public sealed class ParsingTests
{
    private const string Trx = """
        <?xml version="1.0" encoding="utf-8"?>
        <TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
          <Results>
            <UnitTestResult testId="a" testName="ConcurrencyKata.Tests.Ex01.AsyncGatherTests.Every_fetch_starts" outcome="Failed" duration="00:00:03.0100000">
              <Output><ErrorInfo><Message>Expected all 8.
        Observed: 1 of 8.</Message><StackTrace>   at X.Y() in /home/me/kata/exercises/01-async-gather/AsyncGather.cs:line 15</StackTrace></ErrorInfo></Output>
            </UnitTestResult>
            <UnitTestResult testId="b" testName="ConcurrencyKata.Tests.Ex01.AsyncGatherTests.Empty" outcome="Passed" duration="00:00:00.0010000" />
            <UnitTestResult testId="c" testName="ConcurrencyKata.Tests.Ex02.Other.Skipped" outcome="NotExecuted" />
            <UnitTestResult testId="d" testName="ConcurrencyKata.Tests.Ex06.PipelineTests.Bad_arguments_are_rejected(capacity: 0, consumers: 2)" outcome="Passed" />
          </Results>
          <TestDefinitions>
            <UnitTest id="a" name="Every_fetch_starts"><TestMethod className="ConcurrencyKata.Tests.Ex01.AsyncGatherTests" name="Every_fetch_starts" /></UnitTest>
            <UnitTest id="b" name="Empty"><TestMethod className="ConcurrencyKata.Tests.Ex01.AsyncGatherTests" name="Empty" /></UnitTest>
            <UnitTest id="d" name="Bad_arguments_are_rejected(capacity: 0, consumers: 2)"><TestMethod className="ConcurrencyKata.Tests.Ex06.PipelineTests" name="Bad_arguments_are_rejected" /></UnitTest>
          </TestDefinitions>
        </TestRun>
        """;

    [Fact]
    public void Trx_results_become_outcomes_with_class_method_message_and_stack()
    {
        var outcomes = TrxReader.Parse(XDocument.Parse(Trx));

        outcomes.Should().HaveCount(4);
        var failed = outcomes[0];
        failed.ClassName.Should().Be("ConcurrencyKata.Tests.Ex01.AsyncGatherTests");
        failed.MethodName.Should().Be("Every_fetch_starts");
        failed.Outcome.Should().Be(Outcome.Failed);
        failed.Message.Should().Contain("Observed: 1 of 8.");
        failed.Duration.Should().Be(TimeSpan.FromMilliseconds(3010));
        outcomes[1].Outcome.Should().Be(Outcome.Passed);
        outcomes[2].Should().Match<TestOutcome>(o => o.Outcome == Outcome.Skipped && o.ClassName == "ConcurrencyKata.Tests.Ex02.Other" && o.MethodName == "Skipped");
        failed.Check.Should().Be("every fetch starts");
        outcomes[3].MethodName.Should().Be("Bad_arguments_are_rejected");
        outcomes[3].Check.Should().Be("bad arguments are rejected (capacity: 0, consumers: 2)");
    }

    [Fact]
    public void Compiler_errors_are_parsed_relative_to_the_repository_and_deduplicated()
    {
        const string output = """
            /repo/exercises/01-async-gather/AsyncGather.cs(12,5): error CS1002: ; expected [/repo/tests/ConcurrencyKata.Tests/ConcurrencyKata.Tests.csproj]
            /repo/exercises/01-async-gather/AsyncGather.cs(12,5): error CS1002: ; expected [/repo/exercises/ConcurrencyKata.Exercises.csproj]
            /repo/exercises/04-non-blocking/ChecksumReport.cs(20,13): warning VSTHRD002: Avoid problematic synchronous waits [/repo/exercises/ConcurrencyKata.Exercises.csproj]
            MSBUILD : error MSB1009: Project file does not exist.
            Build FAILED.
            """;

        var diagnostics = BuildDiagnostics.Parse(output, "/repo");

        diagnostics.Should().HaveCount(3);
        diagnostics[0].Should().Be(new Diagnostic("error", "CS1002", "; expected", "exercises/01-async-gather/AsyncGather.cs", 12, 5));
        diagnostics[0].Location.Should().Be("exercises/01-async-gather/AsyncGather.cs:12:5");
        diagnostics[1].IsError.Should().BeFalse();
        diagnostics[1].Code.Should().Be("VSTHRD002");
        diagnostics[2].Should().Match<Diagnostic>(d => d.Code == "MSB1009" && d.File == null);
    }

    [Theory]
    [InlineData("Every_fetch_is_started", "every fetch is started")]
    [InlineData("FetchAllAsync_returns_a_pending_task", "FetchAllAsync returns a pending task")]
    [InlineData("A_failed_fetch", "a failed fetch")]
    public void Test_names_read_as_sentences(string method, string check)
        => TestOutcome.Humanize(method).Should().Be(check);

    [Theory]
    [InlineData("System.NotImplementedException", "Exercise 01 is waiting", "NotImplementedException: Exercise 01 is waiting")]
    [InlineData("Xunit.Sdk.XunitException", "Expected 8", "Expected 8")]
    [InlineData(null, "Expected all 8 fetches : really", "Expected all 8 fetches : really")]
    public void A_message_names_the_exception_only_when_the_judge_did_not_throw_it(string? type, string message, string explanation)
        => new TestOutcome("C", "M", Outcome.Failed, message, "", TimeSpan.Zero) { ExceptionType = type }.Explanation.Should().Be(explanation);

    [Theory]
    [InlineData("System.NotImplementedException : Exercise 01 is waiting", "System.NotImplementedException", "Exercise 01 is waiting")]
    [InlineData("Expected all 8 fetches : really", null, "Expected all 8 fetches : really")]
    public void A_trx_message_is_taken_apart_into_type_and_message(string combined, string? type, string message)
        => TrxReader.SplitType(combined).Should().Be((type, message));

    [Fact]
    public void The_first_frame_in_the_learners_code_is_found()
    {
        const string stack = """
               at ConcurrencyKata.Tests.Probes.Scenario.Wait[T](Task`1 task) in /repo/tests/ConcurrencyKata.Tests/Probes/Scenario.cs:line 40
               at ConcurrencyKata.AsyncGather.FetchAllAsync(IFetcher fetcher) in /repo/exercises/01-async-gather/AsyncGather.cs:line 15
            """;

        Grading.LearnerFrame(stack).Should().Be("exercises/01-async-gather/AsyncGather.cs:15");
        Grading.LearnerFrame("   at Somewhere() in /repo/tests/X.cs:line 3").Should().BeNull();
    }

    [Fact]
    public void A_hung_test_host_is_explained_as_starvation_and_names_the_test()
    {
        var read = HostResultsReader.Parse(Events("""{"event":"started","check":{"class":"ConcurrencyKata.Tests.Ex01.AsyncGatherTests","method":"A_thousand","arguments":""}}"""));

        var abort = Judge.HostAbortOf(new ProcessResult(HostExit.Hung, "", false, TimeSpan.Zero), read);

        abort.Should().Be(new Abort(AbortKind.Hung, "ConcurrencyKata.Tests.Ex01.AsyncGatherTests.A_thousand"));
        Report.Explain(abort!).Should().StartWith("hung").And.Contain("ConcurrencyKata.Tests.Ex01.AsyncGatherTests.A_thousand").And.Contain(".Result");
    }

    [Fact]
    public void A_crashed_test_host_names_the_test_it_was_running()
    {
        var read = HostResultsReader.Parse(Events("""{"event":"started","check":{"class":"ConcurrencyKata.Tests.Ex02.X","method":"Y","arguments":""}}"""));

        var output = "passed 3\nUnhandled exception. System.InvalidOperationException: boom\n   at Learner.Callback() in /repo/exercises/02/X.cs:line 7\n";
        var abort = Judge.HostAbortOf(new ProcessResult(134, output, false, TimeSpan.Zero), read);

        abort!.Kind.Should().Be(AbortKind.Crashed);
        abort.Test.Should().Be("ConcurrencyKata.Tests.Ex02.X.Y");
        Report.Explain(abort).Should().StartWith("crashed").And.Contain("ConcurrencyKata.Tests.Ex02.X.Y")
            .And.Contain("System.InvalidOperationException: boom").And.Contain("X.cs:line 7").And.NotContain("passed 3");
    }

    private static IEnumerable<CheckEvent> Events(params string[] lines) => lines.Select(CheckEvent.FromJson).OfType<CheckEvent>().ToList();

    private static readonly IEnumerable<CheckEvent> HostLines = Events(
        """{"event":"started","check":{"class":"ConcurrencyKata.Tests.Ex02.BoundedGatherTests","method":"Limits","arguments":"limit: 3"}}""",
        """{"event":"failed","check":{"class":"ConcurrencyKata.Tests.Ex02.BoundedGatherTests","method":"Limits","arguments":"limit: 3"},"message":"Expected 3","stackTrace":"at X","seconds":0.25}""",
        """{"event":"started","check":{"class":"ConcurrencyKata.Tests.Ex02.BoundedGatherTests","method":"Skips","arguments":""}}""",
        """{"event":"skipped","check":{"class":"ConcurrencyKata.Tests.Ex02.BoundedGatherTests","method":"Skips","arguments":""},"message":"one core"}""",
        """{"event":"started","check":{"class":"ConcurrencyKata.Tests.Ex02.BoundedGatherTests","method":"Hangs","arguments":""}}""",
        """{"event":"passed","check":{"cla""");

    [Fact]
    public void The_judge_hosts_results_become_outcomes_and_name_the_check_still_running()
    {
        var read = HostResultsReader.Parse(HostLines);

        read.Outcomes.Should().HaveCount(2);
        read.Outcomes[0].Should().BeEquivalentTo(new { ClassName = "ConcurrencyKata.Tests.Ex02.BoundedGatherTests", MethodName = "Limits", Outcome = Outcome.Failed,
            Message = "Expected 3", StackTrace = "at X", Duration = TimeSpan.FromSeconds(0.25), Case = "limit: 3" });
        read.Outcomes[1].Outcome.Should().Be(Outcome.Skipped);
        read.Running.Should().Be("ConcurrencyKata.Tests.Ex02.BoundedGatherTests.Hangs", "a check that started and never ended was running; a half-written last line is ignored");
    }

    [Theory]
    [InlineData(0, false, null)]
    [InlineData(1, false, null)]
    [InlineData(-1, true, AbortKind.TimedOut)]
    [InlineData(134, false, AbortKind.Crashed)]
    [InlineData(HostExit.Hung, false, AbortKind.Hung)]
    public void A_judge_host_run_ends_early_only_when_it_timed_out_or_died(int exitCode, bool timedOut, AbortKind? expected)
    {
        var read = HostResultsReader.Parse(HostLines);

        var abort = Judge.HostAbortOf(new ProcessResult(exitCode, "", timedOut, TimeSpan.Zero), read);

        abort?.Kind.Should().Be(expected);
        (abort is null).Should().Be(expected is null);
        if (abort is not null)
        {
            abort.Test.Should().Be("ConcurrencyKata.Tests.Ex02.BoundedGatherTests.Hangs");
        }
    }

    [Fact]
    public void A_judge_host_that_reports_nothing_ended_early_and_shows_its_output()
    {
        var abort = Judge.HostAbortOf(new ProcessResult(2, "no check matched ConcurrencyKata.Tests.Ex99.", false, TimeSpan.Zero), HostResultsReader.Parse([]));

        abort.Should().NotBeNull();
        abort!.Kind.Should().Be(AbortKind.EndedEarly);
        abort.Output.Should().Contain("no check matched");
    }

    [Fact]
    public void Hints_are_the_numbered_sections_of_hints_md()
    {
        var book = HintBook.Parse("# Hints\n\nintro is not a hint\n\n## 1\nStart them all.\n\n## 2\nTask.WhenAll\nkeeps order.\r\n## 3\n\n");

        book.Hints.Should().Equal("Start them all.", "Task.WhenAll\nkeeps order.");
    }

    [Fact]
    public void The_answers_after_the_hints_are_not_a_hint()
    {
        var book = HintBook.Parse("# Hints\n\n## 1\nStart them all.\n\n## 2\nWhenAll.\n\n## Check yourself: answers\n\n1. Because.\n\n## 3\nnot a hint either\n");

        book.Hints.Should().Equal("Start them all.", "WhenAll.");
    }

    [Theory]
    [InlineData(null, false, true)]
    [InlineData("1", false, false)]
    [InlineData(null, true, false)]
    public void Colour_only_on_a_terminal_and_never_with_no_color(string? noColor, bool redirected, bool expected)
        => Terminal.WantsColour(name => name == "NO_COLOR" ? noColor : null, redirected).Should().Be(expected);

    [Fact]
    public void Ps_output_gives_the_workers_of_this_repository_only()
    {
        const string ps = """
                1     0 /sbin/init
              812   700 dotnet /home/me/kata/tests/ConcurrencyKata.Tests/bin/Solutions/Debug/net10.0/ConcurrencyKata.Worker.dll
              813   700 dotnet /home/me/other-clone/tests/ConcurrencyKata.Tests/bin/Solutions/Debug/net10.0/ConcurrencyKata.Worker.dll
              900     1 dotnet  /home/me/kata/tests/ConcurrencyKata.Tests/bin/Exercises/Debug/net10.0/ConcurrencyKata.Worker.dll
              901   812 grep ConcurrencyKata.Worker
            garbage line
            """;

        var entries = WorkerProcesses.Parse(ps);
        var workers = WorkerProcesses.WorkersOf(entries, "/home/me/kata");

        entries.Should().HaveCount(5);
        workers.Select(w => (w.ProcessId, w.ParentId)).Should().Equal((812, 700), (900, 1));
        workers[1].CommandLine.Should().StartWith("dotnet  /home/me/kata/");
    }
}
