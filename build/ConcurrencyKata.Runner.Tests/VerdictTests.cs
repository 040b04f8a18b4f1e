namespace ConcurrencyKata.Runner.Tests;

/// <summary>`test` judges what needs judging (GradingPlan) and shows the rest from the last verdicts (Verdicts), which are kept by content.</summary>
public sealed class VerdictTests
{
    private static ExerciseGrade Judged(Exercise exercise, Status status)
        => new(exercise, status, [new TestOutcome($"{exercise.TestNamespace}.SomeTests", "A_check", status == Status.Passed ? Outcome.Passed : Outcome.Failed, "", "", TimeSpan.Zero)]);

    /// <summary>Verdicts reached with the judge "judge" and the exercises' files as they are: one status per exercise, in order.</summary>
    private static Verdicts Earlier(TempKata kata, params Status[] statuses)
    {
        var verdicts = Verdicts.Load(kata.Repository);
        foreach (var (exercise, status) in kata.Repository.Exercises.Zip(statuses))
        {
            verdicts.Record(Judged(exercise, status), Verdicts.FilesHash(exercise), "judge");
        }
        return verdicts;
    }

    private static void Edit(Exercise exercise) => File.AppendAllText(Path.Combine(exercise.Directory, exercise.Files[0]), "// edited\n");

    [Fact]
    public void Test_judges_the_exercise_the_learner_is_on_and_the_changed_ones_and_shows_the_rest_from_their_last_verdict()
    {
        using var kata = new TempKata().Exercise("01-a", "A").Exercise("02-b", "B").Exercise("03-c", "C").Exercise("04-d", "D");
        var ex = kata.Repository.Exercises;
        Earlier(kata, Status.Passed, Status.Failing, Status.Passed).Save();
        Edit(ex[2]);
        bool Untouched(Exercise e) => e.Number == "04";

        var plan = new GradingPlan(ex, Verdicts.Load(kata.Repository), "judge", Untouched, judgeEverything: false);

        plan.Judged.Should().Equal([ex[1], ex[2]], "02 is the one the learner is on (its last verdict: failing), 03 changed since its verdict");
        plan.Listed.Should().Equal([ex[3]], "an untouched stub's checks are listed, not run");
        var earlier = plan.Grade(ex[0], new TestRun([], []));
        earlier.Status.Should().Be(Status.Passed);
        earlier.FromEarlierRun.Should().NotBeNull("01 passed with these very files and this judge");
        plan.Grade(ex[3], new TestRun([], [])).Status.Should().Be(Status.NotStarted);
    }

    [Fact]
    public void Another_judge_or_another_file_content_makes_a_verdict_stale()
    {
        using var kata = new TempKata().Exercise("01-a", "A").Exercise("02-b", "B");
        var ex = kata.Repository.Exercises;
        var verdicts = Earlier(kata, Status.Passed, Status.Passed);

        new GradingPlan(ex, verdicts, "judge", _ => false, judgeEverything: false).Judged.Should().BeEmpty("both passed, and nothing changed");
        new GradingPlan(ex, verdicts, "another judge", _ => false, judgeEverything: false).Judged.Should().Equal(ex);
        new GradingPlan(ex, verdicts, "judge", _ => false, judgeEverything: true).Judged.Should().Equal(ex, "--all");
        Edit(ex[1]);
        new GradingPlan(ex, verdicts, "judge", _ => false, judgeEverything: false).Judged.Should().Equal([ex[1]]);
        Verdicts.FilesHash(ex[0]).Should().NotBe(Verdicts.FilesHash(ex[1]));
    }

    [Fact]
    public void When_the_exercise_the_learner_was_on_passes_the_next_one_shown_from_an_earlier_verdict_is_judged_too()
    {
        using var kata = new TempKata().Exercise("01-a", "A").Exercise("02-b", "B");
        var ex = kata.Repository.Exercises;
        var verdicts = Earlier(kata, Status.Failing, Status.Failing);
        var plan = new GradingPlan(ex, verdicts, "judge", _ => false, judgeEverything: false);
        plan.Judged.Should().Equal([ex[0]]);

        var run = new TestRun([new TestOutcome($"{ex[0].TestNamespace}.SomeTests", "A_check", Outcome.Passed, "", "", TimeSpan.Zero)], []);

        plan.FirstUnfinished(run).Should().Be(ex[1], "01 passes now; 02's failing verdict is from an earlier run");
        plan.JudgeToo(ex[1]).Should().BeTrue();
        plan.JudgeToo(ex[1]).Should().BeFalse("already judged");
        plan.Judged.Should().Equal(ex);
    }

    [Fact]
    public void Verdicts_survive_a_save_and_a_damaged_file_starts_again()
    {
        using var kata = new TempKata().Exercise("01-a", "A");
        var exercise = kata.Repository.Exercises[0];
        Earlier(kata, Status.Passed).Save();

        Verdicts.Load(kata.Repository).Current(exercise, Verdicts.FilesHash(exercise), "judge")!.Status.Should().Be(Status.Passed);
        File.WriteAllText(Path.Combine(kata.Root, ".kata", "verdicts.json"), "{ cut short");
        Verdicts.Load(kata.Repository).Current(exercise, Verdicts.FilesHash(exercise), "judge").Should().BeNull();
    }
}
