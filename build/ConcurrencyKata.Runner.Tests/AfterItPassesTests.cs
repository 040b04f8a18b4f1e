using ConcurrencyKata.Contract;

namespace ConcurrencyKata.Runner.Tests;

/// <summary>What a learner can read once an exercise passes: the other correct approaches, and the known wrong solutions.</summary>
public sealed class AfterItPassesTests
{
    private static TempKata Kata()
    {
        var kata = new TempKata().Exercise("02-bounded-gather", "02 · Bounded", stub: "class Mine { int x = 1; }\n", solution: "class Reference { int x = 2; }\n")
            .Alternative("02-bounded-gather", "semaphore-slim", "SemaphoreSlim.WaitAsync around each fetch.")
            .Control("02-bounded-gather", "fixed-batches", "waits for the slowest of each batch.")
            .Control("02-bounded-gather", "racy-results", "a List shared without a lock.");
        kata.Write("tests/NegativeControls/02-bounded-gather/README.md",
            "# map\n\n| category | forms | caught by | controls |\n|---|---|---|---|\n| overlap | batches | the next starts at once | `fixed-batches` |\n| shared state | a List | lose nothing | `racy-results`, `gone` |\n");
        return kata;
    }

    [Fact]
    public void Compare_can_show_an_alternative_beside_your_code_and_lists_every_approach_with_its_line()
    {
        using var kata = Kata();
        var repository = kata.Repository;
        var exercise = repository.Exercises[0];
        var writer = new StringWriter();
        var console = Terminal.Create(writer, colour: false);

        var approach = Approaches.Find(repository, exercise, "Semaphore-Slim");
        Compare.Show(console, repository, exercise, approach);
        Approaches.List(console, repository, exercise, approach);

        var text = writer.ToString();
        text.Should().Contain("+++ tests/AlternativeSolutions/02-bounded-gather/semaphore-slim/Code.cs")
            .And.Contain("-class Mine").And.Contain("+// Approach: SemaphoreSlim.WaitAsync around each fetch.")
            .And.Contain("those of the approach 'semaphore-slim'")
            .And.Contain("reference").And.Contain("solutions/02-bounded-gather/")
            .And.Contain("> semaphore-slim  SemaphoreSlim.WaitAsync around each fetch.");
        Approaches.Find(repository, exercise, "reference").Should().BeNull();
        FluentActions.Invoking(() => Approaches.Find(repository, exercise, "semaphore")).Should().Throw<KataException>()
            .WithMessage("*Its approaches: reference, semaphore-slim.*");
    }

    [Fact]
    public void Mistakes_are_listed_by_category_with_their_check_and_what_it_said_when_it_caught_them()
    {
        using var kata = Kata();
        var repository = kata.Repository;
        var exercise = repository.Exercises[0];
        kata.Write("tests/NegativeControls/02-bounded-gather/fixed-batches/Code.cs", "// Mistake: waits for the slowest of each batch.\n// Caught by: The_next_starts_at_once\nclass Wrong {}\n");
        var control = repository.Controls(ControlKind.Negative).Single(c => c.Name == "fixed-batches");
        var results = repository.ResultsFile(Variant.Of(control).Name);
        Directory.CreateDirectory(Path.GetDirectoryName(results)!);
        File.WriteAllText(results, new CheckEvent(CheckEventKind.Failed, new CheckId("ConcurrencyKata.Tests.Ex02.T", "The_next_starts_at_once"),
            "Expected a 4th fetch to start at once.\nObserved: none started in 3 s.\nLook at: batches.").ToJson() + "\n");
        var writer = new StringWriter();

        Mistakes.Show(Terminal.Create(writer, colour: false), repository, exercise);

        var text = writer.ToString();
        text.IndexOf("overlap", StringComparison.Ordinal).Should().BeLessThan(text.IndexOf("shared state", StringComparison.Ordinal));
        text.Should().Contain("fixed-batches: waits for the slowest of each batch.")
            .And.NotContain("caught by: the next starts at once", "the rejection below names that check already")
            .And.Contain("rejected by the next starts at once: Expected a 4th fetch to start at once.")
            .And.Contain("Observed: none started in 3 s.")
            .And.Contain("racy-results: a List shared without a lock.")
            .And.Contain("1 of them were never run through the judge here").And.Contain("mistakes --exercise=02 --run");
    }

    [Fact]
    public void A_mistake_that_crashed_the_judge_or_hung_is_shown_with_the_check_that_was_running()
    {
        using var kata = Kata();
        var repository = kata.Repository;
        var control = repository.Controls(ControlKind.Negative).Single(c => c.Name == "racy-results");
        var results = repository.ResultsFile(Variant.Of(control).Name);
        Directory.CreateDirectory(Path.GetDirectoryName(results)!);
        var passed = new CheckId("ConcurrencyKata.Tests.Ex02.T", "Values_in_order");
        var running = new CheckId("ConcurrencyKata.Tests.Ex02.T", "Answers_at_the_same_instant_lose_nothing");
        File.WriteAllLines(results, [new CheckEvent(CheckEventKind.Started, passed).ToJson(), new CheckEvent(CheckEventKind.Passed, passed).ToJson(), new CheckEvent(CheckEventKind.Started, running).ToJson()]);
        var output = Path.Combine(Path.GetDirectoryName(results)!, "host-output.txt");
        File.WriteAllText(output, "Unhandled exception. System.IndexOutOfRangeException: Index was outside the bounds of the array.\n   at Queue.Enqueue\n");

        Mistakes.LastRejection(repository, control).Should().Be(new Rejection("answers at the same instant lose nothing",
            "Expected the check to end with a verdict.\nObserved: the test process crashed while it ran: System.IndexOutOfRangeException: Index was outside the bounds of the array.", null));

        File.Delete(output);
        Mistakes.LastRejection(repository, control)!.Message.Should().EndWith("Observed: it never ended, and the judge stopped it.");

        File.WriteAllLines(results, [new CheckEvent(CheckEventKind.Started, passed).ToJson(), new CheckEvent(CheckEventKind.Passed, passed).ToJson()]);
        Mistakes.LastRejection(repository, control).Should().BeNull("a run in which nothing failed and nothing was left running rejected nothing");
    }
}
