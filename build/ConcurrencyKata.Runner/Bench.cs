using System.Diagnostics;
using System.Text.Json;
using Spectre.Console;

namespace ConcurrencyKata.Runner;

/// <summary>
/// `./build.sh bench`: builds bench/ConcurrencyKata.Bench (Release: the figures are measurements)
/// and runs it; it writes its table to the terminal and its report, results and charts to
/// artifacts/bench/. ci runs it with --smoke (every step, the smallest sizes, two runs per cell) and checks what it wrote (<see cref="CheckOutput"/>):
/// the shape of the report, never the speed. With <c>--mine</c> the bench is built with the learner's
/// exercises too (<see cref="Mine"/>) and measures those that pass, a row beneath each of the reference's.
/// </summary>
public static class Bench
{
    public static readonly string[] Workloads = ["I/O-bound", "CPU-bound", "Mixed", "Actors"];

    public static string Project(KataRepository repository) => Path.Combine(repository.Root, "bench", "ConcurrencyKata.Bench", "ConcurrencyKata.Bench.csproj");

    /// <summary>
    /// Which second code the bench is built with, under the alias <c>mine</c> (its project's
    /// <c>KataBenchMine</c>): none, the learner's exercises (<c>bench --mine</c>), or the reference
    /// again (ci: the code that measures a learner's solutions runs on every ci).
    /// </summary>
    public enum Mine { None, Exercises, Solutions }

    public static string Program(KataRepository repository, Mine mine = Mine.None)
        => Path.Combine([repository.Root, "bench", "ConcurrencyKata.Bench", "bin", .. mine == Mine.None ? [] : new[] { "mine-" + mine.ToString().ToLowerInvariant() },
            "Release", KataRepository.TargetFramework, "kata-bench.dll"]);

    public static string OutputDirectory(KataRepository repository) => Path.Combine(repository.Root, "artifacts", "bench");

    /// <summary>Builds the bench; null when it built, else the build's last lines.</summary>
    public static string? Build(KataRepository repository, Mine mine = Mine.None)
    {
        var result = ProcessRunner.Run("dotnet", ["build", Project(repository), "-c", "Release", "-nologo", "-v:q", "-clp:NoSummary",
            .. mine == Mine.None ? [] : new[] { "-p:KataBenchMine=" + mine.ToString().ToLowerInvariant() }], repository.Root, TimeSpan.FromMinutes(10));
        return result.ExitCode == 0 && File.Exists(Program(repository, mine)) ? null : Text.LastLines(result.Output, 20);
    }

    /// <summary>The exercises whose code the bench runs (what its --mine takes), as the built bench says.</summary>
    public static IReadOnlyList<string> Measured(KataRepository repository, Mine mine)
    {
        var result = ProcessRunner.Run("dotnet", [Program(repository, mine), "--measured"], repository.Root, TimeSpan.FromMinutes(1));
        return result.ExitCode == 0
            ? result.Output.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : throw new KataException($"The bench did not say which exercises it runs (exit code {result.ExitCode}): {Text.LastLines(result.Output, 5)}");
    }

    /// <summary>Runs the bench with the terminal attached (its progress display), bounded by <paramref name="timeout"/>; returns its exit code.</summary>
    public static int RunAttached(KataRepository repository, bool quick, string? workload, IReadOnlyList<string> mine, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = repository.Root, UseShellExecute = false };
        foreach (var argument in (string[])[Program(repository, mine.Count > 0 ? Mine.Exercises : Mine.None), "--out", OutputDirectory(repository), .. quick ? ["--quick"] : Array.Empty<string>(),
                     .. workload is null ? Array.Empty<string>() : ["--workload", workload], .. mine.Count > 0 ? ["--mine", string.Join(",", mine)] : Array.Empty<string>()])
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info) ?? throw new KataException("The bench did not start.");
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
            throw new KataException($"The bench ran longer than {timeout.TotalMinutes:0} minutes and was stopped.");
        }
        return process.ExitCode;
    }

    /// <summary>
    /// What is wrong with the bench's output in <paramref name="directory"/>; empty when it has every
    /// part, and a row of the learner's ("..., yours") for each exercise in <paramref name="mine"/>.
    /// </summary>
    public static IReadOnlyList<string> CheckOutput(string directory, IReadOnlyList<string>? mine = null)
    {
        var problems = new List<string>();
        var report = Path.Combine(directory, "report.md");
        var markdown = File.Exists(report) ? File.ReadAllText(report) : null;
        if (markdown is null)
        {
            problems.Add("report.md is missing");
        }
        foreach (var workload in Workloads)
        {
            if (markdown is not null && !markdown.Contains($"## {workload}", StringComparison.Ordinal))
            {
                problems.Add($"report.md has no section \"## {workload}\"");
            }
            var name = new string([.. workload.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-')]);
            var png = Path.Combine(directory, name + ".png");
            if (!File.Exists(png) || !File.ReadAllBytes(png).Take(8).SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }))
            {
                problems.Add($"{name}.png is missing or not a PNG");
            }
            var svg = Path.Combine(directory, name + ".svg");
            if (!File.Exists(svg) || !File.ReadAllText(svg).Contains("<svg", StringComparison.Ordinal))
            {
                problems.Add($"{name}.svg is missing or not an SVG");
            }
        }
        if (markdown is not null && !markdown.Contains("## Unit costs", StringComparison.Ordinal))
        {
            problems.Add("report.md has no section \"## Unit costs\"");
        }
        var json = Path.Combine(directory, "results.json");
        if (!File.Exists(json))
        {
            problems.Add("results.json is missing");
            return problems;
        }
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(json));
            var root = document.RootElement;
            var cells = root.GetProperty("cells").EnumerateArray().ToList();
            foreach (var workload in Workloads)
            {
                var own = cells.Where(c => c.GetProperty("workload").GetString() == workload).ToList();
                // the baseline its speedups are over: sequential, or one silo for the actors
                var baseline = root.TryGetProperty("workloads", out var named)
                    ? named.EnumerateArray().Where(w => w.GetProperty("name").GetString() == workload).Select(w => w.GetProperty("baseline").GetString()).FirstOrDefault()
                    : null;
                if (baseline is null || !own.Any(c => c.GetProperty("strategy").GetString() == baseline))
                {
                    problems.Add($"results.json has no baseline cell for {workload}{(baseline is null ? " (no baseline named)" : $" (\"{baseline}\")")}");
                }
                if (own.Count < 3 || own.Any(c => !(c.GetProperty("median").GetDouble() > 0) || c.GetProperty("seconds").GetArrayLength() < 2))
                {
                    problems.Add($"results.json's {workload} cells are too few or lack timings ({own.Count} cells)");
                }
            }
            foreach (var exercise in mine ?? [])
            {
                if (!cells.Any(c => c.GetProperty("strategy").GetString() is { } s && s.EndsWith($"({exercise}), yours", StringComparison.Ordinal)))
                {
                    problems.Add($"results.json has no row of yours for exercise {exercise} (a strategy named \"... ({exercise}), yours\")");
                }
            }
            if (root.GetProperty("unitCosts").GetArrayLength() < 4)
            {
                problems.Add("results.json has fewer than 4 unit costs");
            }
            if (!(root.GetProperty("gather").GetProperty("seconds").GetDouble() > 0))
            {
                problems.Add("results.json has no timing of the many waits gathered at once");
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            problems.Add($"results.json is not what the bench writes: {e.Message}");
        }
        return problems;
    }
}

public sealed class BenchCommand : KataCommand
{
    public override string Name => "bench";

    public override string Summary => "Measures async, threads and processes on this machine (table; report and charts in artifacts/bench/).";

    public override IReadOnlyList<Parameter> Parameters =>
    [
        new("quick", null, "a run of about 40 s with small sizes and rough figures"),
        new("workload", "NAME", "one workload only: I/O-bound, CPU-bound or Mixed"),
        new("mine", null, "your own solutions too, of the exercises whose code the bench runs, those that pass: a row beneath each of the reference's"),
        new("loop", null, "the learner's loop instead: test and watch timed on a scratch copy of the kata (about 4 minutes; artifacts/bench/loop.md)"),
    ];

    public override int Run(CommandContext context)
    {
        var repository = context.Repository;
        if (context.Options.Flag("loop"))
        {
            if (context.Options.Flag("quick") || context.Options.Get("workload") is not null || context.Options.Flag("mine"))
            {
                throw new KataException("--loop measures the learner's loop: it takes neither --quick, --workload nor --mine.");
            }
            return new LoopBench(repository, context.Console).Run(repository.Exercises[0]);
        }
        var quick = context.Options.Flag("quick");
        var workload = context.Options.Get("workload");
        if (workload is not null && !Bench.Workloads.Contains(workload, StringComparer.OrdinalIgnoreCase))
        {
            throw new KataException($"No workload '{workload}': {string.Join(", ", Bench.Workloads)}.");
        }
        var build = context.Options.Flag("mine") ? Bench.Mine.Exercises : Bench.Mine.None;
        context.Console.MarkupLine(build == Bench.Mine.None ? "[grey]Building the bench (Release)...[/]" : "[grey]Building the bench with your exercises (Release)...[/]");
        if (Bench.Build(repository, build) is { } failure)
        {
            throw new KataException((build == Bench.Mine.None ? "The bench did not build:\n" : "The bench did not build with your exercises (they are compiled in Release here):\n") + failure);
        }
        var mine = build == Bench.Mine.None ? [] : Yours(context);
        var timeout = TimeSpan.FromMinutes((quick ? 3 : 10) * (mine.Count > 0 ? 2 : 1));
        var code = Bench.RunAttached(repository, quick, workload, mine, timeout);
        if (code != 0 || workload is not null)
        {
            return code; // one workload's output has only its own parts
        }
        var problems = Bench.CheckOutput(Bench.OutputDirectory(repository), mine);
        foreach (var problem in problems)
        {
            context.Console.MarkupLine($"[red]{Markup.Escape(problem)}[/]");
        }
        if (mine.Count > 0 && problems.Count == 0)
        {
            context.Console.MarkupLine("Each row marked [bold]yours[/] is your code, measured beside the reference's row above it. " +
                                       "README.md, \"Your own numbers\", says how to read the gap.");
        }
        return problems.Count == 0 ? 0 : 1;
    }

    /// <summary>The exercises whose code the bench runs that pass now (judged as compare judges); says which are left out, and refuses when none passes.</summary>
    private static IReadOnlyList<string> Yours(CommandContext context)
    {
        var (repository, console) = (context.Repository, context.Console);
        var measured = Bench.Measured(repository, Bench.Mine.Exercises).Select(repository.Resolve).ToList();
        var numbers = string.Join(", ", measured.Select(e => e.Number));
        console.MarkupLine($"[grey]Checking which of {numbers} pass (the bench runs their code)...[/]");
        var passing = Grader.Passing(repository, measured);
        if (passing.Count == 0)
        {
            throw new KataException($"None of exercises {numbers} passes yet: bench --mine measures your solutions of them once they pass. {Terminal.Command} test shows where you are.");
        }
        var left = measured.Except(passing).ToList();
        console.MarkupLine($"Yours, measured beside the reference: [bold]{string.Join(", ", passing.Select(e => e.Number))}[/]" +
                           (left.Count > 0 ? $"; left out, as they do not pass yet: {string.Join(", ", left.Select(e => e.Number))}." : "."));
        return [.. passing.Select(e => e.Number)];
    }
}
