using System.Diagnostics;
using ConcurrencyKata.Contract;

namespace ConcurrencyKata.Runner;

/// <summary>Running the judge: its own host, asked through the contract in HostContract.cs.</summary>
public sealed partial class Judge
{
    /// <summary>The namespaces of the judge's own tests (the probes' and the worker's): ci runs them, a learner's run never does.</summary>
    public static readonly IReadOnlyList<string> SelfTestNamespaces = ["ConcurrencyKata.Tests.Probes.", "ConcurrencyKata.Tests.Worker."];

    /// <summary>
    /// Runs the checks of <paramref name="judged"/> (and with <paramref name="selfTests"/> the judge's
    /// own tests) against an already built variant, and lists the checks of <paramref name="listed"/>
    /// without running them (<see cref="Outcome.NotRun"/>). A hang or crash kills the host and loses
    /// the rest of the run, so the exercises it did not come from are run again without the culprit.
    /// </summary>
    public TestRun Test(Variant variant, IReadOnlyCollection<Exercise> judged, IReadOnlyCollection<Exercise>? listed = null, bool selfTests = false)
    {
        listed ??= [];
        Directory.CreateDirectory(Path.GetDirectoryName(TimelinesFile(variant))!);
        File.Delete(TimelinesFile(variant)); // each host run of this one appends its checks' timelines
        var run = TestOnce(variant, judged, listed, selfTests);
        var excluded = new List<Exercise>();
        while (run.WasAborted
               && judged.FirstOrDefault(e => !excluded.Contains(e) && Grading.HungIn(run, e)) is { } culprit)
        {
            excluded.Add(culprit);
            var remaining = judged.Except(excluded).ToList();
            if (remaining.Count == 0)
            {
                break;
            }
            var rerun = TestOnce(variant, remaining, [], selfTests: false);
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
    {
        // the quickest checks first, as the reference run timed them: the first failure comes sooner
        var reference = ResultsFile(Variant.Solutions);
        if (File.Exists(TimelinesFile(variant)))
        {
            File.Delete(TimelinesFile(variant)); // the host appends: only this run's
        }
        return TestInOwnHost(variant, ControlRunTimeout, Request(variant, [exercise]) with
        {
            StopAtFirstFailure = true,
            OrderBy = variant != Variant.Solutions && File.Exists(reference) ? reference : null,
            First = first ?? [],
            // the rejecting check's timeline, for the learner's catalogue of mistakes (Mistakes, the report)
            Timelines = TimelinesFile(variant),
        });
    }

    /// <summary>
    /// Runs the checks of <paramref name="exercise"/> against an alternative solution: every one
    /// must pass. Like <see cref="TestUntilRejected"/>, bounded by one timeout for the whole run.
    /// </summary>
    public TestRun TestAlternative(Variant variant, Exercise exercise) => TestInOwnHost(variant, ControlRunTimeout, Request(variant, [exercise]));

    /// <summary>A control's or alternative's run covers one exercise, whose checks take seconds. A run that times out counts as hung: a rejection for a control, a failure for an alternative.</summary>
    private static readonly TimeSpan ControlRunTimeout = TimeSpan.FromSeconds(90);

    private TestRun TestOnce(Variant variant, IReadOnlyCollection<Exercise> judged, IReadOnlyCollection<Exercise> listed, bool selfTests)
    {
        var exercises = Request(variant, judged);
        var request = exercises with
        {
            Namespaces = [.. exercises.Namespaces, .. selfTests ? SelfTestNamespaces : []],
            Listed = [.. listed.Select(e => e.TestNamespace + ".")],
            Timelines = TimelinesFile(variant),
        };
        return TestInOwnHost(variant, RunTimeout, request);
    }

    /// <summary>The request for a run of <paramref name="exercises"/>' checks, written to the variant's results file, with the hang timeout.</summary>
    private HostRequest Request(Variant variant, IReadOnlyCollection<Exercise> exercises)
        => new(ResultsFile(variant), [.. exercises.Select(e => e.TestNamespace + ".")], [], HangTimeout: HangTimeout);

    /// <summary>
    /// Runs the judge's checks in the judge's own host: the test assembly's entry point
    /// (tests/ConcurrencyKata.Tests/Host/JudgeHost.cs) runs them with xunit in one process, where
    /// VSTest needs two. The host writes each check's start and end as it happens and stops itself
    /// when one check runs longer than <see cref="HangTimeout"/>, so a run that hangs, times out or
    /// crashes still names the check that was running.
    /// </summary>
    private TestRun TestInOwnHost(Variant variant, TimeSpan timeout, HostRequest request)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(request.Results)!);
        File.Delete(request.Results);
        var result = ProcessRunner.Run("dotnet", [AssemblyPath(variant), .. request.ToArguments()], repository.Root, timeout, SnapshotsAreFixed);
        // everything the host printed (an unhandled exception's stack trace goes to its stderr)
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(request.Results)!, "host-output.txt"), result.Output);
        var read = HostResultsReader.Read(request.Results);
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
        foreach (var argument in (string[])[AssemblyPath(variant), .. new HostRequest(resultsFile, [.. exercises.Select(e => e.TestNamespace + ".")], []).ToArguments()])
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

    /// <summary>Why a run of the judge's own host ended early; null when it ran to the end (every check passed, or one failed).</summary>
    internal static Abort? HostAbortOf(ProcessResult result, HostResultsReader.Results read)
    {
        if (result.TimedOut)
        {
            return new Abort(AbortKind.TimedOut, read.Running);
        }
        if (result.ExitCode == HostExit.Hung)
        {
            return new Abort(AbortKind.Hung, read.Running);
        }
        if (read.Running is not null && result.ExitCode is not (HostExit.AllPassed or HostExit.Failed))
        {
            return new Abort(AbortKind.Crashed, read.Running, UnhandledException(result.Output));
        }
        if (read.Errors.Count > 0 || result.ExitCode is not (HostExit.AllPassed or HostExit.Failed) || read.Outcomes.Count == 0)
        {
            return new Abort(AbortKind.EndedEarly, null, string.Join('\n', [.. read.Errors, Text.LastLines(result.Output, 20)]).Trim());
        }
        return null;
    }

    /// <summary>The runtime's report of an unhandled exception in a host's output ("Unhandled exception." and what follows), else its last lines.</summary>
    internal static string UnhandledException(string output)
    {
        var start = output.IndexOf("Unhandled exception.", StringComparison.Ordinal);
        return start >= 0 ? Text.FirstLines(output[start..], 25) : Text.LastLines(output, 20);
    }
}
