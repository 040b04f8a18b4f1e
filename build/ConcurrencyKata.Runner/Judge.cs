using System.Diagnostics;

namespace ConcurrencyKata.Runner;

/// <summary>
/// An implementation the judge runs against: the learner's code, the reference, or the
/// reference with a control's files swapped in (<see cref="ControlKey"/>).
/// </summary>
public sealed record Variant(string Name, string Description, IReadOnlyList<string> Properties, string? ControlKey = null)
{
    public static Variant Exercises { get; } = new("exercises", "your code in exercises/", ["KataImpl=exercises"]);

    public static Variant Solutions { get; } = new("solutions", "the reference solutions", ["KataImpl=solutions"]);

    public static Variant Of(Control control)
        => new(control.Key.Replace('/', '-'), control.Key, [$"KataControl={control.Key}"], control.Key);
}

public sealed record BuildOutcome(bool Succeeded, IReadOnlyList<Diagnostic> Diagnostics, TimeSpan Elapsed)
{
    public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.IsError);
}

/// <summary>Builds the judge against a variant and runs its tests, with every wait bounded.</summary>
public sealed class Judge(KataRepository repository, bool strict = false)
{
    /// <summary>A test that runs this long is hung: the test host is killed and the test named.</summary>
    public static readonly TimeSpan HangTimeout = TimeSpan.FromSeconds(45);

    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The judge's snapshots are committed. Strict mode makes a missing snapshot a failure
    /// instead of a new snapshot, so a deleted .snap file cannot turn its check green.
    /// </summary>
    private static readonly Dictionary<string, string> SnapshotsAreFixed = new() { ["SNAPSHOOTER_STRICT_MODE"] = "true" };
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(12);

    public string AssemblyPath(Variant variant)
        => Path.Combine(Path.GetDirectoryName(repository.JudgeProject)!, "bin", variant.Name, "Debug", "net10.0", "ConcurrencyKata.Tests.dll");

    public BuildOutcome Build(Variant variant)
        => variant.ControlKey is null ? BuildJudge(variant) : BuildBySwap(variant);

    private BuildOutcome BuildJudge(Variant variant)
    {
        var args = new List<string> { "build", repository.JudgeProject };
        args.AddRange(variant.Properties.Select(p => $"-p:{p}"));
        args.Add($"-p:TreatWarningsAsErrors={(strict ? "true" : "false")}");
        if (!strict)
        {
            // The learner's loop: the C# compiler server (VBCSCompiler) stays warm between runs and
            // compiles in about a third of the time. dotnet uses it by default; some machines turn
            // it off in the environment (UseSharedCompilation=false), as CI images often do.
            args.Add("-p:UseSharedCompilation=true");
        }
        var implementation = variant == Variant.Exercises ? repository.ExercisesDirectory : repository.SolutionsDirectory;
        if (RestoreIsCurrent(repository.Root, [
                Path.Combine(Path.GetDirectoryName(repository.JudgeProject)!, "obj", variant.Name, "project.assets.json"),
                Path.Combine(implementation, "obj", "project.assets.json"),
                Path.Combine(repository.Root, "support", "ConcurrencyKata.Support", "obj", "project.assets.json"),
            ]))
        {
            args.Add("--no-restore"); // a restore costs seconds even when it has nothing to do
        }
        return DotnetBuild(args, AssemblyPath(variant));
    }

    /// <summary>
    /// Whether every given project.assets.json exists and is newer than everything that decides
    /// what a restore produces (every .csproj, the props files, global.json): then restoring again
    /// would change nothing, and the build can skip it.
    /// </summary>
    internal static bool RestoreIsCurrent(string root, IReadOnlyList<string> assetsFiles)
    {
        if (assetsFiles.Any(a => !File.Exists(a)))
        {
            return false;
        }
        var oldestAssets = assetsFiles.Min(File.GetLastWriteTimeUtc);
        var inputs = Directory.EnumerateFiles(root, "*.csproj", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Concat(new[] { "Directory.Build.props", "Directory.Packages.props", "global.json", "NuGet.config" }.Select(f => Path.Combine(root, f)).Where(File.Exists));
        return inputs.All(f => File.GetLastWriteTimeUtc(f) < oldestAssets);
    }

    /// <summary>Runs one quiet `dotnet build`; it succeeded if it exited 0 and produced <paramref name="expected"/>.</summary>
    private BuildOutcome DotnetBuild(List<string> args, string expected)
    {
        var result = ProcessRunner.Run("dotnet", [.. args, "-nologo", "-v:q", "-clp:NoSummary"], repository.Root, BuildTimeout);
        var diagnostics = BuildDiagnostics.Parse(result.Output, repository.Root);
        var ok = result.ExitCode == 0 && !result.TimedOut && File.Exists(expected);
        if (!ok && !diagnostics.Any(d => d.IsError))
        {
            diagnostics = [.. diagnostics, new Diagnostic("error", "KATA001", result.TimedOut ? "the build timed out" : LastLines(result.Output, 15), null, 0, 0)];
        }
        return new BuildOutcome(ok, diagnostics, result.Elapsed);
    }

    /// <summary>
    /// A control has the same public API as the reference, so the judge need not be compiled
    /// again: compile only the solutions assembly with the control's files swapped in (in this
    /// process, from the reference build's recorded inputs: <see cref="ControlCompiler"/>), then
    /// run a copy of the reference judge with that assembly in place of the reference one.
    /// </summary>
    private BuildOutcome BuildBySwap(Variant variant)
    {
        var reference = AssemblyPath(Variant.Solutions);
        var inputsFile = Path.Combine(repository.SolutionsDirectory, "obj", "Debug", "net10.0", CompileInputs.FileName);
        if (!File.Exists(reference) || !File.Exists(inputsFile))
        {
            var judge = BuildJudge(Variant.Solutions);
            if (!judge.Succeeded)
            {
                return judge;
            }
        }
        var key = variant.ControlKey!;
        var exercise = key.Split('/')[1];
        var target = Path.GetDirectoryName(AssemblyPath(variant))!;
        if (Directory.Exists(target))
        {
            Directory.Delete(target, recursive: true);
        }
        CopyDirectory(Path.GetDirectoryName(reference)!, target);
        var inputs = CompileInputs.Read(inputsFile);
        var sources = ControlCompiler.SwapIn(inputs.Sources, Path.Combine(repository.SolutionsDirectory, exercise), Path.Combine(repository.Root, "tests", key));
        return ControlCompiler.Compile(inputs, sources, Path.Combine(target, "ConcurrencyKata.Solutions.dll"));
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)), overwrite: true);
        }
    }

    /// <summary>
    /// Runs the judge's tests (all, or those of <paramref name="only"/>) against an already built
    /// variant. A hang or crash kills the test host and loses the whole run's results, so the
    /// exercises it did not come from are run again without the culprit.
    /// </summary>
    public TestRun Test(Variant variant, IReadOnlyCollection<Exercise>? only = null)
    {
        IReadOnlyCollection<Exercise> scope = only ?? repository.Exercises;
        Directory.CreateDirectory(Path.GetDirectoryName(TimelinesFile(variant))!);
        File.Delete(TimelinesFile(variant)); // each host run of this one appends its checks' timelines
        var run = TestOnce(variant, only);
        var excluded = new List<Exercise>();
        while (run.WasAborted
               && scope.FirstOrDefault(e => !excluded.Contains(e) && Grading.HungIn(run, e)) is { } culprit)
        {
            excluded.Add(culprit);
            var remaining = scope.Except(excluded).ToList();
            if (remaining.Count == 0)
            {
                break;
            }
            var rerun = TestOnce(variant, remaining);
            run = new TestRun(
                [.. run.Outcomes.Where(o => !remaining.Any(e => e.Owns(o.ClassName))), .. rerun.Outcomes],
                [.. run.Aborts, .. rerun.Aborts]);
        }
        return run;
    }

    /// <summary>
    /// Runs the checks of <paramref name="exercise"/> only until one fails, then stops: enough to
    /// show that a negative control (or a stub) is rejected, without sitting through every other
    /// check's timeout. The outcome names the failing check.
    /// </summary>
    /// <param name="first">Test methods to run before the others (a control's "Caught by"): the rest follow, quickest first.</param>
    public TestRun TestUntilRejected(Variant variant, Exercise exercise, IReadOnlyList<string>? first = null)
        => TestInOwnHost(variant, [exercise], stopAtFirstFailure: true, ControlRunTimeout, first ?? []);

    /// <summary>
    /// Runs the checks of <paramref name="exercise"/> against an alternative solution: every one
    /// must pass. Like <see cref="TestUntilRejected"/>, bounded by one timeout for the whole run.
    /// </summary>
    public TestRun TestAlternative(Variant variant, Exercise exercise) => TestInOwnHost(variant, [exercise], stopAtFirstFailure: false, ControlRunTimeout, []);

    /// <summary>A control's or alternative's run covers one exercise, whose checks take seconds. A run that times out counts as hung: a rejection for a control, a failure for an alternative.</summary>
    private static readonly TimeSpan ControlRunTimeout = TimeSpan.FromSeconds(90);

    private TestRun TestOnce(Variant variant, IReadOnlyCollection<Exercise>? only)
        => TestInOwnHost(variant, only ?? [], stopAtFirstFailure: false, RunTimeout, [], timelines: true);

    /// <summary>
    /// Runs the judge's checks (those of <paramref name="only"/>, or all) in the judge's own host:
    /// the test assembly's entry point (tests/ConcurrencyKata.Tests/Host/JudgeHost.cs) runs them
    /// with xunit in one process, where VSTest needs two, which saves about a second per run. The
    /// host writes each check's start and end as it happens and stops itself when one check runs
    /// longer than <see cref="HangTimeout"/>, so a run that hangs, times out or crashes still
    /// names the check that was running.
    /// </summary>
    private TestRun TestInOwnHost(Variant variant, IReadOnlyCollection<Exercise> only, bool stopAtFirstFailure, TimeSpan timeout, IReadOnlyList<string> first,
        bool timelines = false)
    {
        var resultsFile = ResultsFile(variant);
        Directory.CreateDirectory(Path.GetDirectoryName(resultsFile)!);
        File.Delete(resultsFile);
        var args = new List<string> { AssemblyPath(variant), "--results", resultsFile, "--hang-timeout", $"{(int)HangTimeout.TotalSeconds}" };
        foreach (var exercise in only)
        {
            args.AddRange(["--namespace", exercise.TestNamespace + "."]);
        }
        if (timelines)
        {
            args.AddRange(["--timelines", TimelinesFile(variant)]);
        }
        if (stopAtFirstFailure)
        {
            args.Add("--stop-at-first-failure");
            // the quickest checks first, as the reference run timed them: the first failure comes sooner
            var reference = ResultsFile(Variant.Solutions);
            if (variant != Variant.Solutions && File.Exists(reference))
            {
                args.AddRange(["--order-by", reference]);
            }
            foreach (var method in first)
            {
                args.AddRange(["--first", method]);
            }
        }
        var result = ProcessRunner.Run("dotnet", args, repository.Root, timeout, SnapshotsAreFixed);
        // everything the host printed (an unhandled exception's stack trace goes to its stderr)
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(resultsFile)!, "host-output.txt"), result.Output);
        var read = HostResultsReader.Read(resultsFile);
        return new TestRun(read.Outcomes, HostAbortOf(result, read) is { } abort ? [abort] : []);
    }

    /// <summary>
    /// Starts the judge's host on the checks of <paramref name="exercises"/>, waits until it has
    /// worker processes of its own (at most <paramref name="patience"/>), then kills the host alone,
    /// as a crash or `kill -9` would: its workers are not told. Returns the workers it had when it
    /// was killed (empty if none appeared in time). Unix only: the workers are found with `ps`.
    /// </summary>
    public IReadOnlyList<WorkerProcesses.Entry> KillHostWhileItHasWorkers(Variant variant, IReadOnlyCollection<Exercise> exercises, TimeSpan patience)
    {
        var resultsFile = Path.Combine(repository.StateDirectory, "results", "killed-host", "results.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(resultsFile)!);
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[AssemblyPath(variant), "--results", resultsFile, .. exercises.SelectMany(e => (string[])["--namespace", e.TestNamespace + "."])])
        {
            info.ArgumentList.Add(argument);
        }
        using var host = Process.Start(info) ?? throw new KataException("The judge's host did not start.");
        host.OutputDataReceived += (_, _) => { };
        host.ErrorDataReceived += (_, _) => { };
        host.BeginOutputReadLine();
        host.BeginErrorReadLine();
        try
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < patience && !host.HasExited)
            {
                var workers = WorkerProcesses.Running(repository.Root).Where(w => w.ParentId == host.Id).ToList();
                if (workers.Count > 0)
                {
                    host.Kill(entireProcessTree: false);
                    host.WaitForExit(TimeSpan.FromSeconds(10));
                    return workers;
                }
                Thread.Sleep(50);
            }
            return [];
        }
        finally
        {
            if (!host.HasExited)
            {
                host.Kill(entireProcessTree: true);
                host.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
    }

    /// <summary>Where the checks' timelines of the last full run against <paramref name="variant"/> are kept (JSON lines, one per scenario), for the HTML report.</summary>
    public string TimelinesFile(Variant variant) => Path.Combine(Path.GetDirectoryName(ResultsFile(variant))!, "timelines.jsonl");

    /// <summary>Where the judge's host writes the outcomes of a run against <paramref name="variant"/> (JSON lines).</summary>
    public string ResultsFile(Variant variant) => Path.Combine(repository.StateDirectory, "results", variant.Name, "results.jsonl");

    /// <summary>The judge host's exit code when a check ran longer than its hang timeout.</summary>
    internal const int HostExitHung = 3;

    /// <summary>Why a run of the judge's own host ended early; null when it ran to the end (exit code 0 or 1: every check passed, or one failed).</summary>
    internal static Abort? HostAbortOf(ProcessResult result, HostResultsReader.Results read)
    {
        if (result.TimedOut)
        {
            return new Abort(AbortKind.TimedOut, read.Running);
        }
        if (result.ExitCode == HostExitHung)
        {
            return new Abort(AbortKind.Hung, read.Running);
        }
        if (read.Running is not null && result.ExitCode is not (0 or 1))
        {
            return new Abort(AbortKind.Crashed, read.Running, UnhandledException(result.Output));
        }
        if (read.Errors.Count > 0 || result.ExitCode is not (0 or 1) || read.Outcomes.Count == 0)
        {
            return new Abort(AbortKind.EndedEarly, null, string.Join('\n', [.. read.Errors, LastLines(result.Output, 20)]).Trim());
        }
        return null;
    }

    /// <summary>The runtime's report of an unhandled exception in a host's output ("Unhandled exception." and what follows), else its last lines.</summary>
    internal static string UnhandledException(string output)
    {
        var start = output.IndexOf("Unhandled exception.", StringComparison.Ordinal);
        return start >= 0 ? FirstLines(output[start..], 25) : LastLines(output, 20);
    }

    internal static string FirstLines(string text, int count)
        => string.Join('\n', text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).Take(count));

    internal static string LastLines(string text, int count)
        => string.Join('\n', text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).TakeLast(count));
}
