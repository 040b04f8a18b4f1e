using System.Text.RegularExpressions;
using ConcurrencyKata.Contract;
using Spectre.Console;

namespace ConcurrencyKata.Runner;

/// <summary>One known wrong solution as a learner reads it: its category, what is wrong, the check meant to catch it, and what the check said when it last did.</summary>
/// <param name="Rejection">The check that rejected it in its last run through the judge and the first lines of its message; null when it was never run here.</param>
public sealed record Mistake(string Category, string Name, string Summary, IReadOnlyList<string> CaughtBy, (string Check, string Message)? Rejection);

/// <summary>
/// An exercise's catalogue of known wrong solutions, for a learner whose code passes: each negative
/// control's mistake in a sentence, by category (from tests/NegativeControls/NN-name/README.md), the
/// check that catches it, and what that check said when the control was last run through the judge
/// (ci's control runs record it in .kata/results/; <c>ci --exercise=NN</c> runs them again).
/// </summary>
public static partial class Mistakes
{
    public const string Uncategorised = "other";

    /// <summary>
    /// The category of each control the exercise's map names (its first column; the controls in
    /// backticks in its last), in the map's order.
    /// </summary>
    public static IReadOnlyList<(string Control, string Category)> Categories(string map)
    {
        var categories = new List<(string Control, string Category)>();
        foreach (var line in map.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var cells = line.Trim().Split('|');
            if (cells.Length < 4 || !line.TrimStart().StartsWith('|'))
            {
                continue;
            }
            foreach (Match name in BacktickedName().Matches(cells[^2]))
            {
                if (!categories.Any(c => c.Control == name.Groups[1].Value))
                {
                    categories.Add((name.Groups[1].Value, cells[1].Trim()));
                }
            }
        }
        return categories;
    }

    /// <summary>Every negative control of the exercise, by category in the map's order (those it names nowhere last).</summary>
    public static IReadOnlyList<Mistake> Of(KataRepository repository, Exercise exercise)
    {
        var mapPath = Path.Combine(repository.ControlsDirectory(ControlKind.Negative), exercise.Id, "README.md");
        var categories = File.Exists(mapPath) ? Categories(File.ReadAllText(mapPath)) : [];
        var order = categories.Select(c => c.Category).Distinct().ToList();
        string CategoryOf(Control c) => categories.FirstOrDefault(x => x.Control == c.Name).Category ?? Uncategorised;
        return [.. repository.Controls(ControlKind.Negative)
            .Where(c => c.Exercise.Id == exercise.Id)
            .Select(c => new Mistake(CategoryOf(c), c.Name, c.Summary, [.. c.CaughtBy.Select(TestOutcome.Humanize)], LastRejection(repository, c)))
            .OrderBy(m => order.IndexOf(m.Category) is var i && i >= 0 ? i : int.MaxValue)];
    }

    /// <summary>The first failure a control's last run through the judge recorded: the check and its message; null when it was never run here.</summary>
    public static (string Check, string Message)? LastRejection(KataRepository repository, Control control)
    {
        var failed = CheckEvent.ReadAll(repository.ResultsFile(Variant.Of(control).Name)).FirstOrDefault(e => e.Event == CheckEventKind.Failed && e.Check is not null);
        return failed is null ? null : (TestOutcome.Humanize(failed.Check!.Method), (failed.Message ?? "").Trim());
    }

    /// <summary>A rejection's message as far as its expected and observed lines (the timeline and the advice left out).</summary>
    public static IReadOnlyList<string> Gist(string message)
    {
        var lines = message.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
        var observed = lines.FindIndex(l => l.StartsWith("Observed", StringComparison.Ordinal));
        return observed >= 0 ? lines[..(observed + 1)] : lines.Take(2).ToList();
    }

    public static void Show(IAnsiConsole console, KataRepository repository, Exercise exercise)
    {
        var mistakes = Of(repository, exercise);
        console.MarkupLine($"[bold]Known wrong solutions of {Markup.Escape(exercise.Number)}[/]: each one fails the check named, and what that check said when it caught it.");
        foreach (var group in mistakes.GroupBy(m => m.Category))
        {
            console.WriteLine();
            console.MarkupLine($"[bold underline]{Markup.Escape(group.Key)}[/]");
            foreach (var mistake in group)
            {
                console.MarkupLine($"  [red]{Markup.Escape(mistake.Name)}[/]: {Markup.Escape(mistake.Summary)}");
                if (mistake.CaughtBy.Count > 0)
                {
                    console.MarkupLine($"    [grey]caught by:[/] {Markup.Escape(string.Join(", ", mistake.CaughtBy))}");
                }
                if (mistake.Rejection is { } rejection)
                {
                    var gist = Gist(rejection.Message);
                    console.MarkupLine($"    [grey]rejected by[/] {Markup.Escape(rejection.Check)}: {Markup.Escape(gist.FirstOrDefault() ?? "")}");
                    foreach (var line in gist.Skip(1))
                    {
                        console.MarkupLine($"      {Markup.Escape(line)}");
                    }
                }
            }
        }
        console.WriteLine();
        console.MarkupLine($"[grey]The code of each: {Markup.Escape(repository.Relative(Path.Combine(repository.ControlsDirectory(ControlKind.Negative), exercise.Id)))}/NAME/ " +
                           "(a whole file, or a .patch against the reference).[/]");
        if (mistakes.Count(m => m.Rejection is null) is var unrun and > 0)
        {
            console.MarkupLine($"[grey]{unrun} of them were never run through the judge here: {Markup.Escape(Terminal.Command)} ci --exercise={exercise.Number} runs them all (a few minutes) and records what each check says.[/]");
        }
    }

    [GeneratedRegex("`([a-z0-9][a-z0-9-]*)`")]
    private static partial Regex BacktickedName();
}
