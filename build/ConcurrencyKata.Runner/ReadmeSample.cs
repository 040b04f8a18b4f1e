namespace ConcurrencyKata.Runner;

/// <summary>
/// The root README's sample screen (its first code block): what <c>./build.sh test</c> prints on a
/// fresh clone, from its "ConcurrencyKata:" line on. A line "..." in the sample stands for one or
/// more lines left out; every other line must be the runner's own, in order (trailing spaces aside).
/// </summary>
public static class ReadmeSample
{
    public const string Start = "ConcurrencyKata:";

    /// <summary>The lines of the README's first code block, or null when it has none.</summary>
    public static IReadOnlyList<string>? Of(string readme)
    {
        var lines = readme.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var open = Array.FindIndex(lines, l => l.StartsWith("```", StringComparison.Ordinal));
        if (open < 0)
        {
            return null;
        }
        var close = Array.FindIndex(lines, open + 1, l => l.StartsWith("```", StringComparison.Ordinal));
        return close < 0 ? null : lines[(open + 1)..close];
    }

    /// <summary>Null when the sample is the output (with its elisions), else the first line that differs, explained.</summary>
    public static string? Differs(IReadOnlyList<string> sample, string output)
    {
        var lines = output.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.TrimEnd()).ToList();
        var from = lines.FindIndex(l => l.StartsWith(Start, StringComparison.Ordinal));
        if (from < 0)
        {
            return $"the runner printed no line starting with \"{Start}\"";
        }
        lines = lines[from..];
        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }
        var wanted = sample.Select(l => l.TrimEnd()).ToList();
        return Match(wanted, 0, lines, 0);
    }

    private static string? Match(List<string> sample, int s, List<string> output, int o)
    {
        while (s < sample.Count)
        {
            if (sample[s].Trim() == "...")
            {
                if (s + 1 == sample.Count)
                {
                    return o < output.Count ? null : "the sample ends with \"...\" where the runner printed nothing more";
                }
                // the elision covers one line or more: find where the sample picks up again
                string? firstMiss = null;
                for (var skip = o + 1; skip < output.Count; skip++)
                {
                    if (output[skip] != sample[s + 1])
                    {
                        continue;
                    }
                    var rest = Match(sample, s + 1, output, skip);
                    if (rest is null)
                    {
                        return null;
                    }
                    firstMiss ??= rest;
                }
                return firstMiss ?? $"sample line {s + 2}, \"{sample[s + 1]}\", is not printed after the lines \"...\" stands for";
            }
            if (o >= output.Count)
            {
                return $"sample line {s + 1}, \"{sample[s]}\": the runner printed nothing more";
            }
            if (sample[s] != output[o])
            {
                return $"sample line {s + 1} is \"{sample[s]}\"; the runner printed \"{output[o]}\"";
            }
            s++;
            o++;
        }
        return o < output.Count ? $"the runner printed more after the sample's last line: \"{output[o]}\" (end the sample with \"...\")" : null;
    }
}
