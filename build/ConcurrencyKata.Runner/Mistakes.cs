using System.Text.RegularExpressions;
using ConcurrencyKata.Contract;
using Spectre.Console;

namespace ConcurrencyKata.Runner;

/// <summary>One known wrong solution as a learner reads it: its category, what is wrong, the check meant to catch it, and what the check said when it last did.</summary>
/// <param name="Rejection">How its last run through the judge rejected it; null when it was never run here.</param>
public sealed record Mistake(string Category, string Name, string Summary, IReadOnlyList<string> CaughtBy, Rejection? Rejection);

/// <summary>The check that rejected a known wrong solution in its last run through the judge, its message, and the timeline of what ran when (null when the check drew none).</summary>
public sealed record Rejection(string Check, string Message, ScenarioTimeline? Timeline);

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

    /// <summary>The first failure a control's last run through the judge recorded: the check, its message and its timeline; null when it was never run here.</summary>
    public static Rejection? LastRejection(KataRepository repository, Control control)
    {
        var variant = Variant.Of(control).Name;
        var events = CheckEvent.ReadAll(repository.ResultsFile(variant));
        if (events.FirstOrDefault(e => e.Event == CheckEventKind.Failed && e.Check is not null) is { } failed)
        {
            return new Rejection(TestOutcome.Humanize(failed.Check!.Method), (failed.Message ?? "").Trim(),
                ScenarioTimeline.ReadAll(repository.TimelinesFile(variant)).LastOrDefault(t => t.Check == failed.Check));
        }
        // no check failed: the host stopped in the middle of one (it crashed, or the check hung)
        var running = events.LastOrDefault(e => e.Event == CheckEventKind.Started && e.Check is not null
                                                && !events.Any(end => end.Check == e.Check && end.Event is CheckEventKind.Passed or CheckEventKind.Failed or CheckEventKind.Skipped));
        if (running is null)
        {
            return null;
        }
        var output = Path.Combine(Path.GetDirectoryName(repository.ResultsFile(variant))!, "host-output.txt");
        var crash = File.Exists(output) ? File.ReadLines(output).FirstOrDefault(l => l.StartsWith("Unhandled exception.", StringComparison.Ordinal)) : null;
        return new Rejection(TestOutcome.Humanize(running.Check!.Method),
            crash is not null
                ? $"Expected the check to end with a verdict.\nObserved: the test process crashed while it ran: {crash["Unhandled exception.".Length..].Trim()}"
                : "Expected the check to end with a verdict.\nObserved: it never ended, and the judge stopped it.",
            null);
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
                if (mistake.CaughtBy.Count > 0 && !(mistake.CaughtBy.Count == 1 && mistake.Rejection?.Check == mistake.CaughtBy[0]))
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
            console.MarkupLine($"[grey]{unrun} of them were never run through the judge here: {Markup.Escape(Terminal.Command)} mistakes --exercise={exercise.Number} --run runs each one " +
                               "(a few seconds each) and records what its check says.[/]");
        }
        if (mistakes.Any(m => m.Rejection?.Timeline is not null))
        {
            console.MarkupLine($"[grey]What ran when in each, drawn: {Markup.Escape(Terminal.Command)} report, then artifacts/report/index.html, under {Markup.Escape(exercise.Id)} (it shows them once {Markup.Escape(exercise.Number)} passes).[/]");
        }
    }

    /// <summary>
    /// Runs each known wrong solution of <paramref name="exercise"/> through the judge, as ci does
    /// (the reference with the control swapped in, its checks until one rejects it), so that its
    /// check's message and timeline are recorded for <see cref="Show"/> and the report. Returns
    /// how many the judge did not reject (0 when all were).
    /// </summary>
    public static int Run(IAnsiConsole console, KataRepository repository, Exercise exercise)
    {
        var judge = new Judge(repository);
        console.MarkupLine("[grey]Building the judge against the reference solutions (the wrong solutions are swapped into it)...[/]");
        var reference = judge.Build(Variant.Solutions);
        if (!reference.Succeeded)
        {
            throw new KataException("The reference solutions did not build: " + string.Join("; ", reference.Errors.Take(3)));
        }
        var missed = 0;
        foreach (var control in repository.Controls(ControlKind.Negative).Where(c => c.Exercise.Id == exercise.Id))
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var variant = Variant.Of(control);
            var build = judge.Build(variant);
            if (!build.Succeeded)
            {
                console.MarkupLine($"  [red]{Markup.Escape(control.Name)}[/]: does not compile: {Markup.Escape(string.Join("; ", build.Errors.Take(2)))}");
                missed++;
                continue;
            }
            var run = judge.TestUntilRejected(variant, exercise, control.CaughtBy);
            var rejectedBy = run.For(exercise).Where(o => o.Outcome == Outcome.Failed).Select(o => o.Check).ToList();
            var hung = run.WasAborted && rejectedBy.Count == 0;
            missed += rejectedBy.Count > 0 || hung ? 0 : 1;
            console.MarkupLine($"  {Markup.Escape(control.Name)}: " + (rejectedBy.Count > 0 ? $"rejected by {Markup.Escape(string.Join("; ", rejectedBy))}"
                : hung ? "hung, and the judge stopped it" : "[red]not rejected this time[/]") + $" [grey]({clock.Elapsed.TotalSeconds:0.0} s)[/]");
        }
        console.WriteLine();
        return missed;
    }

    [GeneratedRegex("`([a-z0-9][a-z0-9-]*)`")]
    private static partial Regex BacktickedName();
}
