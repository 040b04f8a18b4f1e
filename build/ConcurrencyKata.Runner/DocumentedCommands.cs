using System.Text.RegularExpressions;

namespace ConcurrencyKata.Runner;

/// <summary>
/// Every command line a document shows (<c>./build.sh hint --exercise=01</c>, <c>build.cmd test</c>,
/// <c>.\build.ps1 test</c>, in a code span or a code block) names a target of the runner with
/// parameters that target declares, and every parameter a learner's document names on its own in a
/// code span (<c>`--force`</c>) is a parameter of some target: the command table is the truth, and a
/// document cannot promise what the runner does not do. A placeholder value in capitals (NN, N)
/// stands for any value.
/// </summary>
public static partial class DocumentedCommands
{
    /// <summary>The documents whose lone parameters are checked too: what learners read (the controls' maps speak C#, where `--left` is a decrement).</summary>
    private static bool ForLearners(string relative) => !relative.StartsWith("tests/", StringComparison.Ordinal);

    /// <summary>The documents checked: the README, docs/, the exercises' READMEs and hints, the controls' maps.</summary>
    public static IEnumerable<string> Documents(KataRepository repository)
    {
        var root = repository.Root;
        IEnumerable<string> Under(string folder) => Directory.Exists(Path.Combine(root, folder))
            ? Directory.GetFiles(Path.Combine(root, folder), "*.md", SearchOption.AllDirectories).Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            : [];
        return new[] { Path.Combine(root, "README.md") }.Where(File.Exists)
            .Concat(Under("docs")).Concat(Under("exercises")).Concat(Under(Path.Combine("tests", "NegativeControls")))
            .Order(StringComparer.Ordinal);
    }

    public static IReadOnlyList<CourseCheck> Check(KataRepository repository, IEnumerable<string> documents)
    {
        var checks = new List<CourseCheck>();
        var parameters = Commands.All.SelectMany(c => c.Parameters).Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        int total = 0, read = 0;
        foreach (var document in documents)
        {
            var relative = repository.Relative(document);
            var problems = new List<string>();
            var shown = 0;
            foreach (var (line, snippet) in Snippets(File.ReadAllText(document)))
            {
                foreach (var args in CommandLines(snippet))
                {
                    shown++;
                    if (Refusal(args) is { } why)
                    {
                        problems.Add($"line {line}: `{string.Join(' ', args)}`: {why}");
                    }
                }
                if (ForLearners(relative) && LoneParameter().Match(snippet.Trim()) is { Success: true } lone && !parameters.Contains(lone.Groups[1].Value))
                {
                    problems.Add($"line {line}: `{snippet.Trim()}` is not a parameter of any target (see {Terminal.Command} help)");
                }
            }
            if (problems.Count > 0)
            {
                checks.Add(new CourseCheck(false, $"{relative}: the {shown} command line(s) it shows are targets and parameters the runner has", string.Join("\n", problems)));
            }
            total += shown;
            read++;
        }
        // one line when every document is right, one per document that is not
        return checks.Count > 0 ? checks : [new CourseCheck(true, $"the {total} command lines shown in {read} documents (README, docs/, exercises, controls' maps) are targets and parameters the runner has")];
    }

    /// <summary>Why the runner would refuse this command line (its own parser's words), or null when it accepts it.</summary>
    public static string? Refusal(IReadOnlyList<string> args)
    {
        try
        {
            CommandLine.Parse([.. args.Select(a => Placeholder().Replace(a, "1"))], Commands.All, Commands.Default);
            return null;
        }
        catch (KataException e)
        {
            return e.Message;
        }
    }

    /// <summary>Each code span, and each line of a fenced code block, with its line number.</summary>
    public static IEnumerable<(int Line, string Text)> Snippets(string markdown)
    {
        var lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var fenced = false;
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                fenced = !fenced;
                continue;
            }
            if (fenced)
            {
                yield return (i + 1, lines[i]);
                continue;
            }
            foreach (Match span in CodeSpan().Matches(lines[i]))
            {
                yield return (i + 1, span.Groups[1].Value);
            }
        }
    }

    /// <summary>The arguments after each entry script in a snippet, up to a comment or another command.</summary>
    public static IEnumerable<IReadOnlyList<string>> CommandLines(string snippet)
    {
        foreach (Match entry in EntryScript().Matches(snippet))
        {
            var rest = snippet[(entry.Index + entry.Length)..];
            var end = rest.IndexOfAny(['#', ';', '&', '|', '(', ',', '`', '→']);
            var tokens = (end < 0 ? rest : rest[..end]).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
            // prose after a command ("./build.sh test again") is not part of it: stop at the first word that cannot be an argument
            var args = new List<string>();
            foreach (var token in tokens)
            {
                var first = args.Count == 0;
                var afterValued = args.Count > 0 && args[^1].StartsWith("--", StringComparison.Ordinal) && !args[^1].Contains('=', StringComparison.Ordinal);
                if (token.StartsWith("--", StringComparison.Ordinal) || (first && Target().IsMatch(token)) || (afterValued && Value().IsMatch(token)))
                {
                    args.Add(token);
                }
                else
                {
                    break;
                }
            }
            yield return args; // none: the default target
        }
    }

    // ./build.sh, build.cmd, .\build.ps1, ./build.ps1 at the start of a command (not a path such as "the build.cmd file")
    [GeneratedRegex(@"(?<![\w/\\.-])(?:\./build\.sh|\.[\\/]build\.ps1|build\.cmd)(?=\s|$)")]
    private static partial Regex EntryScript();

    [GeneratedRegex(@"^[a-z][a-z-]*$")]
    private static partial Regex Target();

    [GeneratedRegex(@"^[\w.-]+$")]
    private static partial Regex Value();

    [GeneratedRegex(@"(?<==)[A-Z]+$|^[A-Z]+$")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^--([a-z][a-z-]*)(?:[= ][^\s]+)?$")]
    private static partial Regex LoneParameter();

    [GeneratedRegex(@"`([^`]+)`")]
    private static partial Regex CodeSpan();
}
