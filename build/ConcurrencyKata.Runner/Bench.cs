using System.Diagnostics;
using System.Text.Json;
using Spectre.Console;

namespace ConcurrencyKata.Runner;

/// <summary>
/// `./build.sh bench`: builds bench/ConcurrencyKata.Bench (Release: the figures are measurements)
/// and runs it; it writes its table to the terminal and its report, results and charts to
/// artifacts/bench/. ci runs it with --smoke (every step, the smallest sizes, two runs per cell) and checks what it wrote (<see cref="CheckOutput"/>):
/// the shape of the report, never the speed.
/// </summary>
public static class Bench
{
    public static readonly string[] Workloads = ["I/O-bound", "CPU-bound", "Mixed"];

    public static string Project(KataRepository repository) => Path.Combine(repository.Root, "bench", "ConcurrencyKata.Bench", "ConcurrencyKata.Bench.csproj");

    public static string Program(KataRepository repository) => Path.Combine(repository.Root, "bench", "ConcurrencyKata.Bench", "bin", "Release", KataRepository.TargetFramework, "kata-bench.dll");

    public static string OutputDirectory(KataRepository repository) => Path.Combine(repository.Root, "artifacts", "bench");

    /// <summary>Builds the bench; null when it built, else the build's last lines.</summary>
    public static string? Build(KataRepository repository)
    {
        var result = ProcessRunner.Run("dotnet", ["build", Project(repository), "-c", "Release", "-nologo", "-v:q", "-clp:NoSummary"], repository.Root, TimeSpan.FromMinutes(10));
        return result.ExitCode == 0 && File.Exists(Program(repository)) ? null : Text.LastLines(result.Output, 20);
    }

    /// <summary>Runs the bench with the terminal attached (its progress display), bounded by <paramref name="timeout"/>; returns its exit code.</summary>
    public static int RunAttached(KataRepository repository, bool quick, string? workload, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = repository.Root, UseShellExecute = false };
        foreach (var argument in (string[])[Program(repository), "--out", OutputDirectory(repository), .. quick ? ["--quick"] : Array.Empty<string>(),
                     .. workload is null ? Array.Empty<string>() : ["--workload", workload]])
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

    /// <summary>What is wrong with the bench's output in <paramref name="directory"/>; empty when it has every part.</summary>
    public static IReadOnlyList<string> CheckOutput(string directory)
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
                if (!own.Any(c => c.GetProperty("strategy").GetString() == "sequential"))
                {
                    problems.Add($"results.json has no sequential cell for {workload}");
                }
                if (own.Count < 3 || own.Any(c => !(c.GetProperty("median").GetDouble() > 0) || c.GetProperty("seconds").GetArrayLength() < 2))
                {
                    problems.Add($"results.json's {workload} cells are too few or lack timings ({own.Count} cells)");
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
        new("loop", null, "the learner's loop instead: test and watch timed on a scratch copy of the kata (about 4 minutes; artifacts/bench/loop.md)"),
    ];

    public override int Run(CommandContext context)
    {
        var repository = context.Repository;
        if (context.Options.Flag("loop"))
        {
            if (context.Options.Flag("quick") || context.Options.Get("workload") is not null)
            {
                throw new KataException("--loop measures the learner's loop: it takes neither --quick nor --workload.");
            }
            return new LoopBench(repository, context.Console).Run(repository.Exercises[0]);
        }
        context.Console.MarkupLine("[grey]Building the bench (Release)...[/]");
        if (Bench.Build(repository) is { } failure)
        {
            throw new KataException("The bench did not build:\n" + failure);
        }
        var quick = context.Options.Flag("quick");
        var workload = context.Options.Get("workload");
        if (workload is not null && !Bench.Workloads.Contains(workload, StringComparer.OrdinalIgnoreCase))
        {
            throw new KataException($"No workload '{workload}': {string.Join(", ", Bench.Workloads)}.");
        }
        var code = Bench.RunAttached(repository, quick, workload, TimeSpan.FromMinutes(quick ? 3 : 10));
        if (code != 0 || workload is not null)
        {
            return code; // one workload's output has only its own parts
        }
        var problems = Bench.CheckOutput(Bench.OutputDirectory(repository));
        foreach (var problem in problems)
        {
            context.Console.MarkupLine($"[red]{Markup.Escape(problem)}[/]");
        }
        return problems.Count == 0 ? 0 : 1;
    }
}
