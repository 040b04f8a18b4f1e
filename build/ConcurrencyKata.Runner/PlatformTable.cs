namespace ConcurrencyKata.Runner;

/// <summary>
/// The root README's table of the checks that are skipped or judge less on some platforms (under
/// <see cref="Heading"/>): one row per check the judge marks with a platform limit, in exercise and
/// teaching order, with the judge's own words. ci generates the rows from the reference run and
/// requires the README to hold exactly them, so what a learner on macOS or Windows reads is what
/// the judge does there.
/// </summary>
public static class PlatformTable
{
    public const string Heading = "### Where the judge is weaker";

    public const string Header = "| exercise | check | on | what happens there |";

    /// <summary>The rows the README must hold, from the checks' platform limits.</summary>
    public static IReadOnlyList<string> Expected(IEnumerable<(Exercise Exercise, IEnumerable<TestOutcome> Outcomes)> exercises)
        => [.. exercises.SelectMany(e => Grading.InOrder(e.Outcomes)
            .Where(o => o.PlatformLimit is not null)
            .DistinctBy(o => o.MethodName)
            .Select(o => Row(e.Exercise, o)))];

    private static string Row(Exercise exercise, TestOutcome outcome)
    {
        var limit = outcome.PlatformLimit!;
        var colon = limit.IndexOf(": ", StringComparison.Ordinal);
        var (where, what) = colon < 0 ? ("", limit) : (limit[..colon], limit[(colon + 2)..]);
        var check = TestOutcome.Humanize(outcome.MethodName);
        return $"| {exercise.Number} | {char.ToUpperInvariant(check[0])}{check[1..]} | {where} | {what} |";
    }

    /// <summary>The table's rows as the README has them (after its header and separator), or null when it has none.</summary>
    public static IReadOnlyList<string>? Rows(string readme)
    {
        var lines = readme.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.TrimEnd()).ToList();
        var heading = lines.IndexOf(Heading);
        var header = heading < 0 ? -1 : lines.FindIndex(heading, l => l == Header);
        if (header < 0)
        {
            return null;
        }
        return [.. lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|'))];
    }

    public static CourseCheck Compare(string readme, IReadOnlyList<string> expected)
    {
        var what = $"README.md's \"{Heading}\" table lists the {expected.Count} checks the judge marks as weaker on some platforms, in its words";
        var rows = Rows(readme);
        var table = string.Join("\n", new[] { Header, "|---|---|---|---|" }.Concat(expected));
        return rows is not null && rows.SequenceEqual(expected)
            ? new CourseCheck(true, what)
            : new CourseCheck(false, what, (rows is null ? $"README.md has no table headed \"{Header}\" under \"{Heading}\"." : "The table differs from the checks' platform limits.") +
                $"\nThe table, as the checks declare it (paste it):\n{table}");
    }
}
