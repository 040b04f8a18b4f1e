using System.Text.RegularExpressions;

namespace ConcurrencyKata.Runner;

/// <summary>An implementation the judge can be compiled against.</summary>
public sealed record Variant(string Name, string Description, IReadOnlyList<string> Properties)
{
    public static Variant Exercises { get; } = new("exercises", "your code in exercises/", ["KataImpl=exercises"]);

    public static Variant Solutions { get; } = new("solutions", "the reference solutions", ["KataImpl=solutions"]);

    public static Variant Of(Control control)
        => new(control.Key.Replace('/', '-'), control.Key, [$"KataControl={control.Key}"]);
}

public sealed record BuildOutcome(bool Succeeded, IReadOnlyList<Diagnostic> Diagnostics, string Output, TimeSpan Elapsed)
{
    public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.IsError);
}

/// <summary>Builds the judge against a variant and runs its tests, with every wait bounded.</summary>
public sealed partial class Judge(KataRepository repository, bool strict = false)
{
    /// <summary>A test that runs this long is hung: the test host is killed and the test named.</summary>
    public static readonly TimeSpan HangTimeout = TimeSpan.FromSeconds(45);

    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(12);

    public string AssemblyPath(Variant variant)
        => Path.Combine(Path.GetDirectoryName(repository.JudgeProject)!, "bin", variant.Name, "Debug", "net10.0", "ConcurrencyKata.Tests.dll");

    public BuildOutcome Build(Variant variant)
    {
        var args = new List<string> { "build", repository.JudgeProject, "-nologo", "-v:q", "-clp:NoSummary" };
        args.AddRange(variant.Properties.Select(p => $"-p:{p}"));
        args.Add($"-p:TreatWarningsAsErrors={(strict ? "true" : "false")}");
        var result = ProcessRunner.Run("dotnet", args, repository.Root, BuildTimeout);
        var diagnostics = BuildDiagnostics.Parse(result.Output, repository.Root);
        var ok = result.ExitCode == 0 && !result.TimedOut && File.Exists(AssemblyPath(variant));
        if (!ok && !diagnostics.Any(d => d.IsError))
        {
            diagnostics = [.. diagnostics, new Diagnostic("error", "KATA001", result.TimedOut ? "the build timed out" : LastLines(result.Output, 15), null, 0, 0)];
        }
        return new BuildOutcome(ok, diagnostics, result.Output, result.Elapsed);
    }

    /// <summary>
    /// Runs the judge's tests (all, or those of <paramref name="only"/>) against an already built
    /// variant. A hang or crash kills the test host and loses the whole run's results, so the
    /// exercises it did not come from are run again without the culprit.
    /// </summary>
    public TestRun Test(Variant variant, IReadOnlyCollection<Exercise>? only = null)
    {
        IReadOnlyCollection<Exercise> scope = only ?? repository.Exercises;
        var run = TestOnce(variant, only);
        var excluded = new List<Exercise>();
        while (run.Aborted is not null
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
                rerun.Aborted is null ? run.Aborted : run.Aborted + "\n" + rerun.Aborted);
        }
        return run;
    }

    private TestRun TestOnce(Variant variant, IReadOnlyCollection<Exercise>? only)
    {
        var resultsDir = Path.Combine(repository.StateDirectory, "results", variant.Name);
        Directory.CreateDirectory(resultsDir);
        var trx = Path.Combine(resultsDir, "results.trx");
        File.Delete(trx);

        var args = new List<string>
        {
            "test", AssemblyPath(variant),
            "--logger", "trx;LogFileName=" + trx,
            "--results-directory", resultsDir,
            "--blame-hang-timeout", $"{(int)HangTimeout.TotalSeconds}s",
            "--blame-hang-dump-type", "none",
        };
        if (only is { Count: > 0 })
        {
            args.Add("--filter");
            args.Add(string.Join("|", only.Select(e => $"FullyQualifiedName~{e.TestNamespace}.")));
        }

        var result = ProcessRunner.Run("dotnet", args, repository.Root, RunTimeout);
        var outcomes = File.Exists(trx) ? TrxReader.Read(trx) : [];
        return new TestRun(outcomes, DescribeAbort(result, outcomes.Count));
    }

    /// <summary>Why a run ended early, in a learner's words; null when it ran to the end.</summary>
    internal static string? DescribeAbort(ProcessResult result, int outcomesRead)
    {
        if (result.TimedOut)
        {
            return $"the test run did not finish within {RunTimeout.TotalMinutes:0} minutes and was stopped.";
        }
        var running = RunningTest().Match(result.Output);
        var name = running.Success ? running.Groups["name"].Value.Trim() : "a test";
        if (HangDetected().IsMatch(result.Output))
        {
            return $"hung: {name} ran for more than {HangTimeout.TotalSeconds:0} s and the test host was stopped. " +
                   "This is usually thread-pool starvation: many threads each blocked in .Result or .Wait(), " +
                   "so nothing is left to run the work they wait for. Await instead of blocking.";
        }
        if (Crashed().IsMatch(result.Output))
        {
            return $"crashed: the test host died while running {name} (for example a StackOverflowException, " +
                   "or an unhandled exception on a thread of your own).";
        }
        if (result.ExitCode != 0 && outcomesRead == 0)
        {
            return "the test host ended before reporting any result:\n" + LastLines(result.Output, 20);
        }
        return null;
    }

    private static string LastLines(string text, int count)
        => string.Join('\n', text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).TakeLast(count));

    // VSTest: "The test running when the crash occurred: \nNamespace.Class.Method"
    [GeneratedRegex(@"(?i)the test running when the crash occurred:\s*(?<name>[^\s]+)")]
    private static partial Regex RunningTest();

    // the blame collector: "The specified inactivity time of 45 seconds has elapsed."
    [GeneratedRegex(@"(?i)inactivity time of \d+ \w+ has elapsed")]
    private static partial Regex HangDetected();

    [GeneratedRegex(@"(?i)test host process crashed|test run was aborted")]
    private static partial Regex Crashed();
}
