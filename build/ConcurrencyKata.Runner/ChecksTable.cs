using System.Text.RegularExpressions;

namespace ConcurrencyKata.Runner;

/// <summary>
/// An exercise README's table of its checks (the first table under "## What the checks look for"),
/// which must name the exercise's checks, each once, in the order the judge declares them: the
/// order a learner should meet them, and the order the runner lists them in. A row names a check by
/// its test method written as a sentence; case, apostrophes, backticks and asterisks do not count
/// ("The caller's token reaches every fetch" names The_callers_token_reaches_every_fetch).
/// </summary>
public static partial class ChecksTable
{
    public const string Heading = "## What the checks look for";

    /// <summary>The first cells of the table's rows, or null when the README has no such table.</summary>
    public static IReadOnlyList<string>? Rows(string readme)
    {
        var lines = readme.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var start = Array.FindIndex(lines, l => l.TrimEnd() == Heading);
        if (start < 0)
        {
            return null;
        }
        var rows = new List<string>();
        var inTable = false;
        for (var i = start + 1; i < lines.Length && !lines[i].StartsWith("## ", StringComparison.Ordinal); i++)
        {
            var line = lines[i].Trim();
            if (!line.StartsWith('|'))
            {
                if (inTable)
                {
                    break; // the first table only
                }
                continue;
            }
            if (!inTable)
            {
                inTable = true;
                continue; // the header row
            }
            var cell = line.Split('|')[1].Trim();
            if (!Separator().IsMatch(cell))
            {
                rows.Add(cell);
            }
        }
        return inTable ? rows : null;
    }

    /// <summary>What a row and a test method have in common once written out: lower case, words separated by one space.</summary>
    public static string Normalise(string text)
        => Spaces().Replace(Ignored().Replace(text.Replace('_', ' '), ""), " ").Trim().ToLowerInvariant();

    /// <summary>Whether the rows name <paramref name="methods"/> (the checks' test methods in teaching order), and if not, the first difference.</summary>
    public static CourseCheck Compare(Exercise exercise, string readmeText, IReadOnlyList<string> methods)
    {
        var what = $"{exercise.Id}: README's table under \"{Heading}\" lists its {methods.Count} checks in the judge's order";
        if (Rows(readmeText) is not { } rows)
        {
            return new CourseCheck(false, what, $"the README has no table under \"{Heading}\"");
        }
        var wanted = methods.Select(Normalise).ToList();
        var named = rows.Select(Normalise).ToList();
        var missing = methods.Where(m => !named.Contains(Normalise(m))).ToList();
        var extra = rows.Where(r => !wanted.Contains(Normalise(r))).ToList();
        var twice = rows.GroupBy(Normalise).Where(g => g.Count() > 1).Select(g => g.First()).ToList();
        var mismatches = new List<string>();
        if (missing.Count > 0)
        {
            mismatches.Add($"a check missing from the table: {string.Join(", ", missing.Select(TestOutcome.Humanize))}");
        }
        if (extra.Count > 0)
        {
            mismatches.Add($"a row with no check: \"{string.Join("\", \"", extra)}\" (a row names a test method as a sentence)");
        }
        if (twice.Count > 0)
        {
            mismatches.Add($"a row given twice: \"{string.Join("\", \"", twice)}\"");
        }
        if (mismatches.Count == 0 && !named.SequenceEqual(wanted))
        {
            var at = Enumerable.Range(0, wanted.Count).First(i => named[i] != wanted[i]);
            mismatches.Add($"a different order: row {at + 1} is \"{rows[at]}\", the judge's check number {at + 1} is \"{TestOutcome.Humanize(methods[at])}\" (the checks are listed in the order their methods are declared in {exercise.TestNamespace})");
        }
        var whyNot = mismatches.Count > 0 ? string.Join("; ", mismatches) : null;
        return new CourseCheck(whyNot is null, what, whyNot);
    }

    [GeneratedRegex(@"^:?-+:?$")]
    private static partial Regex Separator();

    [GeneratedRegex("['’`*]")]
    private static partial Regex Ignored();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
