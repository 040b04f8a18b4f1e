namespace ConcurrencyKata.Runner;

public enum Status
{
    Passed,
    Failing,
    NotStarted,
    NotRun,
}

/// <summary>Where one exercise stands after a run of the judge.</summary>
public sealed record ExerciseGrade(Exercise Exercise, Status Status, IReadOnlyList<TestOutcome> Checks)
{
    /// <summary>When the verdict shown was reached, if not in this run: neither the exercise's files nor the judge have changed since.</summary>
    public DateTime? FromEarlierRun { get; init; }

    public int Passing => Checks.Count(c => c.Outcome == Outcome.Passed);

    public IEnumerable<TestOutcome> Failures => Checks.Where(c => c.Outcome == Outcome.Failed);

    public bool IsDone => Status == Status.Passed;
}

/// <summary>Turns test outcomes into a status per exercise.</summary>
public static class Grading
{
    public static IReadOnlyList<ExerciseGrade> Grade(IEnumerable<Exercise> exercises, TestRun run, Func<Exercise, bool> isPristine)
        => exercises.Select(e => Grade(e, run, isPristine(e))).ToList();

    public static ExerciseGrade Grade(Exercise exercise, TestRun run, bool pristine)
    {
        var checks = InOrder(run.For(exercise)).ToList();
        var ran = checks.Where(c => c.Outcome != Outcome.Skipped).ToList();
        Status status;
        if (HungIn(run, exercise))
        {
            status = Status.Failing;
        }
        else if (ran.Count == 0)
        {
            status = Status.NotRun;
        }
        else if (ran.All(c => c.Outcome == Outcome.Passed))
        {
            status = Status.Passed;
        }
        else
        {
            status = pristine ? Status.NotStarted : Status.Failing;
        }
        return new ExerciseGrade(exercise, status, checks);
    }

    /// <summary>
    /// The order in which an exercise's checks are listed: the order their test methods are declared
    /// in, which is the order a learner should meet them (the README's table follows it); a theory's
    /// cases by their arguments.
    /// </summary>
    public static IEnumerable<TestOutcome> InOrder(IEnumerable<TestOutcome> checks)
        => checks.OrderBy(c => c.Order).ThenBy(c => c.MethodName, StringComparer.Ordinal).ThenBy(c => c.Case, StringComparer.Ordinal);

    /// <summary>The check to work on first: the first failing one in teaching order, if any.</summary>
    public static TestOutcome? FirstFailure(ExerciseGrade grade) => grade.Checks.FirstOrDefault(c => c.Outcome == Outcome.Failed);

    /// <summary>Whether the run ended early in one of the exercise's tests (a hang or crash that names it).</summary>
    public static bool HungIn(TestRun run, Exercise exercise) => run.Aborts.Any(a => a.In(exercise));

    /// <summary>The first place in the learner's code that the stack trace passes through, as "exercises/...cs:line".</summary>
    public static string? LearnerFrame(string stackTrace, string folder = "exercises")
    {
        foreach (var line in stackTrace.Split('\n'))
        {
            var marker = line.IndexOf(" in ", StringComparison.Ordinal);
            if (marker < 0)
            {
                continue;
            }
            var location = line[(marker + 4)..].Trim().Replace('\\', '/');
            var at = location.IndexOf($"/{folder}/", StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }
            var path = location[(at + 1)..];
            var lineMarker = path.LastIndexOf(":line ", StringComparison.Ordinal);
            return lineMarker < 0 ? path : $"{path[..lineMarker]}:{path[(lineMarker + 6)..]}";
        }
        return null;
    }
}
