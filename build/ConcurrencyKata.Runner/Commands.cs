using Spectre.Console;

namespace ConcurrencyKata.Runner;

/// <summary>What a command runs with: the kata, the console, and the options it was given.</summary>
public sealed record CommandContext(KataRepository Repository, IAnsiConsole Console, Options Options)
{
    /// <summary>The exercise named by --exercise, if any.</summary>
    public Exercise? Focus => Options.Get("exercise") is { Length: > 0 } e ? Repository.Resolve(e) : null;

    /// <summary>The exercise named by --exercise; a command that needs one says how to give it.</summary>
    public Exercise RequiredFocus(string command) => Focus ?? throw new KataException(
        $"Which exercise? For example: {Terminal.Command} {command} --exercise={Repository.Exercises.FirstOrDefault()?.Number ?? "01"}");

    /// <summary>
    /// The gate of what a learner sees once an exercise passes (compare, mistakes): true when it
    /// passes now or --force is given; otherwise says that <paramref name="closed"/>, and how to go on.
    /// </summary>
    public bool PassesOrForced(Exercise exercise, string closed)
    {
        if (Options.Flag("force"))
        {
            return true;
        }
        Console.MarkupLine($"[grey]Checking that {Markup.Escape(exercise.Id)} passes first...[/]");
        if (Grader.Passes(Repository, exercise))
        {
            return true;
        }
        Console.MarkupLine($"[yellow]{Markup.Escape(exercise.Id)} does not pass yet[/], so {Markup.Escape(closed)}");
        Console.MarkupLine($"Run {Markup.Escape(Terminal.Command)} test --exercise={exercise.Number} to see what is left, or add --force to look anyway.");
        return false;
    }
}

/// <summary>
/// One target of <c>./build.sh</c> (and build.cmd, build.ps1): the build scripts forward the
/// target's name and parameters here, and <c>help</c> is printed from <see cref="Commands.All"/>,
/// so the list of targets exists once.
/// </summary>
public abstract class KataCommand
{
    public abstract string Name { get; }

    public abstract string Summary { get; }

    public virtual IReadOnlyList<Parameter> Parameters => [];

    /// <summary>Listed under "for maintainers" in help.</summary>
    public virtual bool ForMaintainers => false;

    public abstract int Run(CommandContext context);
}

/// <summary>The table of commands, and the default target: the one place either is written.</summary>
public static class Commands
{
    public static readonly Parameter Exercise = new("exercise", "NN", "an exercise by number (01), name (async-gather) or folder (01-async-gather)");

    public static IReadOnlyList<KataCommand> All { get; } =
    [
        new TestCommand(), new WatchCommand(), new HintCommand(), new CompareCommand(), new MistakesCommand(), new ReportCommand(), new BenchCommand(), new BrowserCommand(), new SolutionsBranchCommand(),
        new CiCommand(), new LockStubsCommand(), new CoverageCommand(), new CleanCommand(), new ListCommand(), new HelpCommand(),
    ];

    /// <summary>What <c>./build.sh</c> with no target runs.</summary>
    public static KataCommand Default => All[0];

    /// <summary>
    /// Runs a command line as the entry scripts pass it on, untouched: <c>test --exercise=01</c>.
    /// KataExceptions (a misspelt parameter, an unknown exercise) become a message and exit code 2.
    /// </summary>
    /// <param name="root">The kata's folder, or any folder inside it (the current one by default).</param>
    public static int Run(string[] args, IAnsiConsole console, string? root = null)
    {
        try
        {
            var (command, options) = CommandLine.Parse(args, All, Default);
            var repository = KataRepository.Find(root ?? Directory.GetCurrentDirectory());
            return command.Run(new CommandContext(repository, console, options));
        }
        catch (KataException e)
        {
            console.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]");
            return 2;
        }
    }
}

public sealed class TestCommand : KataCommand
{
    public override string Name => "test";

    public override string Summary => "Your progress, and the exercise you are on: judges it and every exercise changed since its last verdict.";

    public override IReadOnlyList<Parameter> Parameters =>
    [
        Commands.Exercise with { Meaning = "check only this exercise (its exit code speaks for it alone)" },
        new("all", null, "judge every exercise again, the untouched and unchanged ones too"),
    ];

    public override int Run(CommandContext context) => new Grader(context.Repository, context.Console).Run(context.Focus, context.Options.Flag("all"));
}

public sealed class WatchCommand : KataCommand
{
    public override string Name => "watch";

    public override string Summary => "Re-runs the checks whenever you save a file in exercises/ (Ctrl+C stops).";

    public override IReadOnlyList<Parameter> Parameters => [Commands.Exercise with { Meaning = "watch only this exercise" }];

    public override int Run(CommandContext context)
    {
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        return Watch.Run(context.Repository, context.Console, context.Focus, stop.Token);
    }
}

public sealed class HintCommand : KataCommand
{
    public override string Name => "hint";

    public override string Summary => "Shows one more hint for an exercise each time.";

    public override IReadOnlyList<Parameter> Parameters => [Commands.Exercise, new("level", "N", "show hints 1 to N at once")];

    public override int Run(CommandContext context)
    {
        var (repository, console, options) = (context.Repository, context.Console, context.Options);
        var exercise = context.RequiredFocus(Name);
        var book = HintBook.Load(exercise);
        if (book.Hints.Count == 0)
        {
            console.MarkupLine($"No hints for {Markup.Escape(exercise.Id)} yet: read {Markup.Escape(repository.Relative(exercise.ReadmePath))} again.");
            return 0;
        }
        var progress = new HintProgress(Path.Combine(repository.StateDirectory, "hints.json"));
        if (options.Get("level") is { } l && !int.TryParse(l, out _))
        {
            throw new KataException($"--level takes a number of hints (1 to {book.Hints.Count}), not '{l}'.");
        }
        var level = options.Get("level") is { } given
            ? Math.Clamp(int.Parse(given, System.Globalization.CultureInfo.InvariantCulture), 1, book.Hints.Count)
            : Math.Min(progress.Seen(exercise) + 1, book.Hints.Count);
        progress.Record(exercise, Math.Max(level, progress.Seen(exercise)));
        console.MarkupLine($"[bold]Hints for {Markup.Escape(exercise.Number)} {Markup.Escape(exercise.Title)}[/] ({level} of {book.Hints.Count})");
        for (var i = 0; i < level; i++)
        {
            console.WriteLine();
            console.MarkupLine($"[cyan]Hint {i + 1}[/]");
            console.WriteLine(book.Hints[i]);
        }
        console.WriteLine();
        console.MarkupLine(level < book.Hints.Count
            ? $"[grey]Run the same command again for hint {level + 1}.[/]"
            : $"[grey]That was the last hint. Still stuck? {Markup.Escape(Terminal.Command)} compare --exercise={exercise.Number} --force shows the reference.[/]");
        return 0;
    }
}

public sealed class CompareCommand : KataCommand
{
    public override string Name => "compare";

    public override string Summary => "Diffs your files for an exercise against the reference, or another correct approach, once it passes; lists the approaches.";

    public override IReadOnlyList<Parameter> Parameters =>
        [Commands.Exercise, new("approach", "NAME", "compare with this correct approach instead of the reference (the list follows the diff)"), new("force", null, "show the reference before the exercise passes")];

    public override int Run(CommandContext context)
    {
        var (repository, console) = (context.Repository, context.Console);
        var exercise = context.RequiredFocus(Name);
        // a misspelt approach is said before anything is built
        var approach = context.Options.Get("approach") is { } name ? Approaches.Find(repository, exercise, name) : null;
        if (!context.PassesOrForced(exercise, "the reference stays hidden: it teaches more once you have tried."))
        {
            return 1;
        }
        Compare.Show(console, repository, exercise, approach);
        Approaches.List(console, repository, exercise, approach);
        return 0;
    }
}

public sealed class MistakesCommand : KataCommand
{
    public override string Name => "mistakes";

    public override string Summary => "Lists an exercise's known wrong solutions by category, once it passes: each mistake, the check that catches it, and what that check said.";

    public override IReadOnlyList<Parameter> Parameters =>
        [Commands.Exercise, new("run", null, "run each one through the judge first (a few seconds each), so that what its check says, and its timeline, are shown"),
         new("force", null, "list them before the exercise passes")];

    public override int Run(CommandContext context)
    {
        var (repository, console) = (context.Repository, context.Console);
        var exercise = context.RequiredFocus(Name);
        if (!context.PassesOrForced(exercise, "its catalogue of wrong solutions stays closed: you may be about to write one of them, and the check will tell you."))
        {
            return 1;
        }
        var missed = context.Options.Flag("run") ? Mistakes.Run(console, repository, exercise) : 0;
        Mistakes.Show(console, repository, exercise);
        return missed == 0 ? 0 : 1;
    }
}

public sealed class SolutionsBranchCommand : KataCommand
{
    public override string Name => "solutions-branch";

    public override string Summary => $"Creates/refreshes a local branch '{SolutionsBranch.Branch}' with the reference code in exercises/ (git diff {SolutionsBranch.Branch}).";

    public override int Run(CommandContext context)
    {
        var (repository, console) = (context.Repository, context.Console);
        var commit = SolutionsBranch.Refresh(repository);
        console.MarkupLine($"Branch [bold]{SolutionsBranch.Branch}[/] now points at {commit[..12]}: the current commit with the reference code in exercises/.");
        console.MarkupLine($"Compare: [bold]git diff {SolutionsBranch.Branch} -- {Markup.Escape(repository.Relative(repository.Exercises.FirstOrDefault()?.Directory ?? repository.ExercisesDirectory))}[/]");
        return 0;
    }
}

public sealed class CiCommand : KataCommand
{
    public override string Name => "ci";

    public override string Summary => "The course is complete, the solutions pass, the stubs fail, negative controls are rejected, alternatives accepted.";

    public override bool ForMaintainers => true;

    public override IReadOnlyList<Parameter> Parameters => [Commands.Exercise with { Meaning = "judge only this exercise (its reference, stub, controls and alternatives), while working on it: not a whole ci" }];

    public override int Run(CommandContext context) => new CiPipeline(context.Repository, context.Console, context.Focus).Run();
}

/// <summary>ci's report check needs headless Chromium: `.ci/run` calls this before ci starts its clock.</summary>
public sealed class BrowserCommand : KataCommand
{
    public override string Name => "browser";

    public override string Summary => "Finds headless Chromium for ci's report check, or installs Debian's (apt-get, as root); says which, or why there is none.";

    public override bool ForMaintainers => true;

    public override int Run(CommandContext context)
    {
        var (browser, reason) = HeadlessBrowser.FindOrInstall(context.Repository.Root);
        context.Console.MarkupLine(browser is null
            ? $"[grey]no headless browser: {Markup.Escape(reason)} (ci skips its browser check and says so)[/]"
            : $"headless browser: {Markup.Escape(browser.Executable)}");
        return 0; // none is not an error: ci skips that one check with the reason
    }
}

public sealed class LockStubsCommand : KataCommand
{
    public override string Name => "lock-stubs";

    public override string Summary => "Records the stubs' hashes in exercises/stubs.sha256 after changing a stub on purpose.";

    public override bool ForMaintainers => true;

    public override int Run(CommandContext context)
    {
        var repository = context.Repository;
        var manifest = StubManifest.Compute(repository);
        File.WriteAllText(repository.StubManifestPath, manifest.Serialize());
        context.Console.MarkupLine($"Wrote {Markup.Escape(repository.Relative(repository.StubManifestPath))} ({manifest.Hashes.Count} files).");
        return 0;
    }
}

public sealed class CoverageCommand : KataCommand
{
    public override string Name => "coverage";

    public override string Summary => "Runs the judge against the reference solutions with coverlet and prints a summary.";

    public override bool ForMaintainers => true;

    /// <remarks>
    /// Only the reference solutions are measured: instrumenting the support project's CPU loops
    /// (CpuWork.Spin) would slow them down so much that the timing checks could not pass.
    /// </remarks>
    public override int Run(CommandContext context)
    {
        var repository = context.Repository;
        var results = Path.Combine(repository.StateDirectory, "coverage");
        if (Directory.Exists(results))
        {
            Directory.Delete(results, recursive: true);
        }
        context.Console.MarkupLine("[grey]Running the judge against the reference solutions, with coverage...[/]");
        var run = ProcessRunner.Run("dotnet",
            ["test", repository.JudgeProject, "-nologo", "-v:q", "-p:KataImpl=solutions", "--collect", "XPlat Code Coverage", "--results-directory", results,
             "--", "DataCollectionRunSettings.DataCollectors.DataCollector.Configuration.Include=[ConcurrencyKata.Solutions]*"],
            repository.Root, TimeSpan.FromMinutes(15), new Dictionary<string, string> { ["SNAPSHOOTER_STRICT_MODE"] = "true" });
        var files = Directory.Exists(results) ? Directory.GetFiles(results, "coverage.cobertura.xml", SearchOption.AllDirectories) : [];
        if (files.Length == 0)
        {
            throw new KataException("No coverage was written:\n" + Text.LastLines(run.Output, 20));
        }
        var newest = files.OrderByDescending(File.GetLastWriteTimeUtc).First();
        Coverage.Print(context.Console, Coverage.Read(newest));
        context.Console.MarkupLine($"[grey]{Markup.Escape(repository.Relative(newest))}[/]");
        return run.ExitCode;
    }
}

public sealed class ReportCommand : KataCommand
{
    public override string Name => "report";

    public override string Summary => "Writes the last test run's timelines as an HTML page (artifacts/report/index.html).";

    public override IReadOnlyList<Parameter> Parameters => [new("solutions", null, "the reference solutions' last run (ci's) instead of yours")];

    public override int Run(CommandContext context)
    {
        var variant = context.Options.Flag("solutions") ? Variant.Solutions : Variant.Exercises;
        var written = TimelinePage.Write(context.Repository, variant);
        if (written is null)
        {
            throw new KataException(variant == Variant.Solutions
                ? $"No run of the reference solutions to show: run {Terminal.Command} ci first."
                : $"No test run to show yet: run {Terminal.Command} test first.");
        }
        context.Console.MarkupLine($"Timelines of {Markup.Escape(variant.Description)}: [bold]{Markup.Escape(context.Repository.Relative(written))}[/] (open it in a browser; it needs no network)");
        return 0;
    }
}

public sealed class CleanCommand : KataCommand
{
    public override string Name => "clean";

    public override string Summary => "Deletes build outputs (bin/, obj/) and the runner's state (.kata/); the runner's own build stays.";

    public override int Run(CommandContext context)
    {
        var repository = context.Repository;
        var runnerBin = Path.GetFullPath(AppContext.BaseDirectory);
        var removed = 0;
        foreach (var dir in Directory.EnumerateDirectories(repository.Root, "*", SearchOption.AllDirectories)
                     .Where(d => Path.GetFileName(d) is "bin" or "obj" && !d.Contains($"{Path.DirectorySeparatorChar}.git", StringComparison.Ordinal))
                     .ToList())
        {
            if (runnerBin.StartsWith(Path.GetFullPath(dir) + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !Directory.Exists(dir))
            {
                continue; // the runner is running from there
            }
            Directory.Delete(dir, recursive: true);
            removed++;
        }
        if (Directory.Exists(repository.StateDirectory))
        {
            Directory.Delete(repository.StateDirectory, recursive: true);
        }
        context.Console.WriteLine($"Clean: {removed} bin/ and obj/ folders and .kata/ removed.");
        return 0;
    }
}

public sealed class ListCommand : KataCommand
{
    public override string Name => "list";

    public override string Summary => "Lists the exercises, as exercises/course.json declares them.";

    public override int Run(CommandContext context)
    {
        foreach (var exercise in context.Repository.Exercises)
        {
            context.Console.WriteLine($"{exercise.Id}\t{exercise.Track.Id}\t{exercise.Title}");
        }
        return 0;
    }
}

public sealed class HelpCommand : KataCommand
{
    public override string Name => "help";

    public override string Summary => "Lists the targets and their parameters.";

    public override int Run(CommandContext context)
    {
        var console = context.Console;
        console.WriteLine($"Usage: {Terminal.Command} [target] [--parameter=value | --parameter value ...]   (default target: {Commands.Default.Name})");
        foreach (var group in Commands.All.GroupBy(c => c.ForMaintainers))
        {
            console.WriteLine();
            console.WriteLine(group.Key ? "For maintainers:" : "Targets:");
            foreach (var command in group)
            {
                console.WriteLine($"  {command.Name,-17} {command.Summary}");
                foreach (var parameter in command.Parameters)
                {
                    console.WriteLine($"  {"",-17}   {parameter.Usage,-14} {parameter.Meaning}");
                }
            }
        }
        console.WriteLine();
        console.WriteLine("Environment: NO_COLOR=1 turns colour off.");
        return 0;
    }
}
