using System.Diagnostics;

namespace ConcurrencyKata.Tests.Ex11;

/// <summary>Exercise 11-child-process: one job in one child process, started, fed, read, awaited, and killed when cancelled.</summary>
public sealed class ChildProcessTests
{
    /// <summary>A worker starts in about 0.1 s on an idle machine; a loaded one may take several times that.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>How long a child may take to be gone once the call has returned or been cancelled.</summary>
    private static readonly TimeSpan Gone = TimeSpan.FromSeconds(2);

    [Fact]
    public void A_job_runs_in_a_child_process_and_its_result_comes_back()
    {
        using var scenario = new Scenario();
        var job = new Job(17, JobKind.Echo, 4242);

        var result = scenario.Run(() => ChildProcess.RunAsync(job), Patience, $"Expected RunAsync({job}) to start a worker and return its answer.");

        scenario.Check(result.JobId == job.Id && result.Value == job.Argument, () =>
            $"Expected the worker's answer to job {job.Id}: an echo of {job.Argument}.\nObserved: {result}.\n" +
            "Look at: send WorkerProtocol.Write(job) as one line on the child's standard input, and read the answer with WorkerProtocol.ReadResult.");
        scenario.Check(result.ProcessId != Environment.ProcessId, () =>
            $"Expected the job to run in a child process.\nObserved: the answer came from process {result.ProcessId}, the test's own.\n" +
            "Look at: start the worker with Process.Start(WorkerProgram.StartInfo()) and let it do the job.");
        // at once: a call that awaited its child's exit leaves nothing (a child still waiting for input may
        // be freed later only by chance, when the garbage collector closes the pipe nobody holds any more)
        CheckNoWorkerLeft(scenario, "RunAsync returned", "await process.WaitForExitAsync() before returning, and close the child's standard input once the job is sent: " +
            "the worker reads jobs until its input ends, so a child whose input stays open waits for more work forever.", TimeSpan.Zero);
    }

    [Fact]
    public void A_null_job_is_rejected_with_ArgumentNullException()
    {
        using var scenario = new Scenario();
        scenario.CheckNullArgumentsRejected("RunAsync", ("job", () => ChildProcess.RunAsync(null!)));
    }

    [Fact]
    public void RunAsync_returns_a_pending_task_while_the_child_works()
    {
        using var scenario = new Scenario();
        var job = new Job(1, JobKind.Sleep, 1500);
        var took = Stopwatch.StartNew();

        var task = scenario.CallOnOwnThread(() => ChildProcess.RunAsync(job), TimeSpan.FromSeconds(1),
            "Expected RunAsync to return a task at once (starting a process takes milliseconds), while the child sleeps for 1.5 s.");
        var returnedAfter = took.Elapsed;

        scenario.Check(!task.IsCompleted, () =>
            $"Expected RunAsync to return a task that is still running while the child works (the job sleeps for {job.Argument} ms).\n" +
            $"Observed: the call took {returnedAfter.TotalMilliseconds:0} ms and its task had already {(task.IsFaulted ? "failed" : "completed")}.\n" +
            "Look at: process.WaitForExit() and StandardOutput.ReadToEnd() block the calling thread until the child is done; " +
            "await WaitForExitAsync() and ReadToEndAsync() instead.");
        var result = scenario.Wait(task, Patience, "Expected the task to complete once the child had done its job.");
        scenario.Check(result.Value == job.Argument, () => $"Expected the answer to job {job.Id}.\nObserved: {result}.");
    }

    [Fact]
    public void Several_children_run_at_the_same_time()
    {
        using var scenario = new Scenario();
        const int parties = 3;
        using var meetings = new Meetings();
        var rendezvous = meetings.Name("children");
        var jobs = Enumerable.Range(1, parties).Select(id => new Job(id, JobKind.Rendezvous, parties, rendezvous)).ToList();
        // each job waits until all three workers have reached the rendezvous: only children running at the same time complete it
        var (results, error) = scenario.Attempt(() => FirstFailureOrAll(jobs.Select(job => ChildProcess.RunAsync(job)).ToList()), Patience,
            $"Expected {parties} calls to RunAsync, started one after another without waiting, to finish together.");

        scenario.Check(error is null && results is not null, () =>
            $"Expected {parties} rendezvous jobs, started together, to meet: each waits (at most {WorkerProtocol.RendezvousTimeout.TotalSeconds:0} s) until all {parties} workers are running.\n" +
            $"Observed: {Explain.Exception(error)}{(error is WorkerFailedException { StandardError: var stderr } ? $", the worker said: {stderr.Trim()}" : "")}.\n" +
            "Look at: RunAsync must not wait for its child before returning its task, and nothing may make the calls take turns (a lock, a SemaphoreSlim(1)).");
        foreach (var (job, result) in jobs.Zip(results!))
        {
            scenario.Spans.Add(WorkerDriver.SpanOf(job, result));
        }
        scenario.Check(results!.Select(r => r.ProcessId).Distinct().Count() == parties && results!.All(r => r.ProcessId != Environment.ProcessId), () =>
            $"Expected each job in a process of its own.\nObserved: processes {Explain.List(results!.Select(r => r.ProcessId))}.");
        scenario.Check(results!.Max(r => r.StartTimestamp) < results!.Min(r => r.EndTimestamp), () =>
            "Expected the children's reported intervals to overlap: every job started before any ended.\nObserved: they did not (see the timeline).");
    }

    [PlatformLimit("Windows", "skipped when no more than two pool threads per child are held: " + PlatformReasons.WindowsPipeReads)]
    [SkippableFact]
    public void No_thread_is_held_while_the_children_work()
    {
        using var scenario = new Scenario();
        const int children = 8;
        using (var warmUp = WorkerDriver.Start(scenario))
        {
            // the runtime's own threads for child processes (signals, pipes) start with the first one: count them in "before"
            warmUp.Run(new Job(0, JobKind.Echo, 0), Patience);
            warmUp.CloseAndWait(Patience);
        }
        var before = ThreadCensus.HeldThroughout(TimeSpan.FromMilliseconds(100));

        var calls = Enumerable.Range(1, children).Select(id => Task.Run(() => ChildProcess.RunAsync(new Job(id, JobKind.Sleep, 2500)))).ToList();
        var running = ChildProcesses.WaitFor(workers => workers.Count >= children, TimeSpan.FromSeconds(5));
        foreach (var call in calls)
        {
            scenario.ThrowIfEnded(call);
        }
        if (running is null)
        {
            Thread.Sleep(1000); // no way to see the children here: give them time to start
        }
        // on Windows the runtime itself holds a pool thread per pending pipe read (two per child): only more than that is the code's
        var tolerated = PipeReadsHoldPoolThreads ? 2 * children : 0;
        var held = scenario.CheckNoThreadHeld(before, $"while {children} children sleep for 2.5 s",
            "process.WaitForExit(), StandardOutput.ReadToEnd() or .Result inside Task.Run: each holds a thread for as long as its child runs. " +
            "Await process.WaitForExitAsync() and ReadToEndAsync(): waiting for a process needs no thread (on Linux and macOS; on Windows the runtime's pipe reads hold one each).",
            tolerated);
        scenario.Wait(Task.WhenAll(calls), Patience, $"Expected all {children} calls to finish once their children had slept.");
        Skip.If(PipeReadsHoldPoolThreads, $"{held} held, within the {tolerated} this platform holds itself: {PlatformReasons.WindowsPipeReads}.");
    }

    /// <summary>Windows with .NET 10: a pending read of a redirected pipe holds a pool thread (anonymous pipes have no overlapped I/O; dotnet/runtime#81896).</summary>
    private static bool PipeReadsHoldPoolThreads => OperatingSystem.IsWindows() && Environment.Version.Major < 11;

    [Fact]
    public void A_worker_that_fails_gives_WorkerFailedException_with_its_exit_code_and_what_it_wrote_to_stderr()
    {
        using var scenario = new Scenario();
        var job = new Job(9, JobKind.Crash, 3);

        var error = scenario.Catch(() => ChildProcess.RunAsync(job), Patience, "Expected RunAsync to end once the worker had crashed.");

        scenario.Check(error is WorkerFailedException { ExitCode: 3 } failed && failed.StandardError.Contains("asked me to crash", StringComparison.Ordinal)
                       && failed.JobId is null or 9, () =>
            $"Expected a WorkerFailedException with the worker's exit code (3) and what it wrote to standard error (\"... asked me to crash ...\").\n" +
            $"Observed: {Explain.Exception(error)}{(error is WorkerFailedException w ? $" with ExitCode {w.ExitCode?.ToString() ?? "null"}, JobId {w.JobId?.ToString() ?? "null"}, StandardError \"{w.StandardError.Trim()}\"" : "")}.\n" +
            "Look at: after the child has exited, a non-zero process.ExitCode is a failure whatever the output says: " +
            "throw new WorkerFailedException(message, process.ExitCode, stderr, job.Id), with stderr read all along.");
        CheckNoWorkerLeft(scenario, "RunAsync failed", "a failure path that returns before the child has exited.");
    }

    [PlatformLimit("macOS, Windows", "a worker left running is not found: " + PlatformReasons.ChildListing)]
    [Theory]
    [InlineData("garbage")]
    [InlineData("silent")]
    public void An_answer_that_is_not_a_result_gives_WorkerFailedException(string fault)
    {
        using var scenario = new Scenario();
        var job = new Job(4, JobKind.Echo, 1);
        WorkerProgram.Fault.Value = fault;
        Exception? error;
        try
        {
            error = scenario.Catch(() => ChildProcess.RunAsync(job), Patience, "Expected RunAsync to end once the worker had exited.");
        }
        finally
        {
            WorkerProgram.Fault.Value = null;
        }

        var what = fault == "garbage" ? "a line that is not a result (\"job 4 done, result unknown\")" : "nothing at all, exiting with code 0";
        scenario.Check(error is WorkerFailedException, () =>
            $"Expected a WorkerFailedException when the worker answers {what}.\nObserved: {Explain.Exception(error)}.\n" +
            "Look at: WorkerProtocol.ReadResult throws a FormatException for a line that is not a result, and there may be no line at all: " +
            "turn both into a WorkerFailedException (the exit code alone does not tell).");
        CheckNoWorkerLeft(scenario, "RunAsync ended with a worker that answered nonsense",
            "a worker whose answer cannot be trusted must not be left waiting for more input: close its input so it ends, or kill it, before the call ends.");
    }

    [Fact]
    public void A_worker_that_writes_a_lot_to_stderr_before_answering_still_answers()
    {
        using var scenario = new Scenario();
        var job = new Job(6, JobKind.Noisy, 1024);

        var (result, error) = scenario.Attempt(() => ChildProcess.RunAsync(job), TimeSpan.FromSeconds(5),
            "Expected RunAsync to finish: the worker writes 1 MB to standard error, then answers. " +
            "Deadlock suspected: a pipe holds about 64 KB, and a child whose standard error nobody reads stops at its next write, " +
            "while the parent waits for its standard output or its exit. Read standard output and standard error at the same time " +
            "(start both ReadToEndAsync before awaiting either, or BeginErrorReadLine), not one after the other.");

        scenario.Check(error is null && result is not null && result.Value == 1024 * 1024, () =>
            $"Expected the answer to job {job.Id} (1 MB written to stderr).\nObserved: {(error is null ? result?.ToString() : Explain.Exception(error))}.");
    }

    [PlatformLimit("macOS, Windows", "skipped: " + PlatformReasons.ChildListing)]
    [SkippableFact]
    public void Cancelling_kills_the_child_and_ends_the_call_promptly()
    {
        Skip.IfNot(ChildProcesses.CanList, PlatformReasons.ChildListing);
        using var scenario = new Scenario();
        using var cancel = new CancellationTokenSource();
        var job = new Job(2, JobKind.Sleep, 30_000);

        var call = Task.Run(() => ChildProcess.RunAsync(job, cancel.Token));
        var started = ChildProcesses.WaitFor(workers => workers.Count > 0, TimeSpan.FromSeconds(10))!;
        scenario.ThrowIfEnded(call);
        scenario.Check(started.Count == 1, () =>
            $"Expected one worker process to be running the job.\nObserved: {started.Count} after 10 s.");
        var child = started[0];
        var clock = Stopwatch.StartNew();
        cancel.Cancel();

        var error = ((IAsyncResult)call).AsyncWaitHandle.WaitOne(Gone) ? call.Exception?.InnerException ?? (call.IsCanceled ? new OperationCanceledException() : null) : null;
        var endedAfter = clock.Elapsed;
        scenario.Check(call.IsCompleted, () =>
            $"Expected the call to end within {Gone.TotalSeconds:0} s of cancelling (the child sleeps for {job.Argument / 1000} s).\n" +
            "Observed: still running. Look at: pass the token to every await (WaitForExitAsync(token), ReadToEndAsync(token)).");
        scenario.Check(call.IsCanceled || error is OperationCanceledException, () =>
            $"Expected an OperationCanceledException (a TaskCanceledException is one) after {endedAfter.TotalMilliseconds:0} ms.\nObserved: {(call.IsCompletedSuccessfully ? "a result" : Explain.Exception(error))}.\n" +
            "Look at: a cancelled call ends with OperationCanceledException, even when killing the child made it exit with an error.");
        var left = ChildProcesses.WaitFor(workers => !workers.Contains(child), Gone)!;
        scenario.Check(!left.Contains(child), () =>
            $"Expected the child (PID {child}) to be gone within {Gone.TotalSeconds:0} s of cancelling.\nObserved: it is still running, and would sleep out its {job.Argument / 1000} s.\n" +
            "Look at: a cancelled wait stops waiting, it does not stop the child: catch the OperationCanceledException, call process.Kill(entireProcessTree: true), then rethrow.");
    }

    [Fact]
    public void A_token_cancelled_before_the_call_leaves_no_child_behind()
    {
        using var scenario = new Scenario();
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        var error = scenario.Catch(() => ChildProcess.RunAsync(new Job(3, JobKind.Sleep, 30_000), cancel.Token), TimeSpan.FromSeconds(5),
            "Expected RunAsync with a token that is already cancelled to end at once, without running the job (it would sleep for 30 s).");

        scenario.Check(error is OperationCanceledException, () =>
            $"Expected an OperationCanceledException: the caller had cancelled before calling.\nObserved: {Explain.Exception(error)}.\n" +
            "Look at: cancellationToken.ThrowIfCancellationRequested() before starting anything.");
        CheckNoWorkerLeft(scenario, "the cancelled call returned", "a child started before the token was looked at, and never killed.");
    }

    /// <summary>No worker child of this process is still running within <paramref name="grace"/> (by default <see cref="Gone"/>; Linux: elsewhere there is no way to list them).</summary>
    private static void CheckNoWorkerLeft(Scenario scenario, string when, string lookAt, TimeSpan? grace = null)
    {
        var patience = grace ?? Gone;
        var left = ChildProcesses.WaitFor(workers => workers.Count == 0, patience);
        scenario.Check(left is null || left.Count == 0, () =>
            $"Expected no worker process left running {(patience == TimeSpan.Zero ? "at the moment" : $"{patience.TotalSeconds:0} s after")} {when}.\n" +
            $"Observed: still running: PID {Explain.List(left!)}.\n" +
            $"Look at: {lookAt}");
    }

    /// <summary>Every call's result, or the first call's exception as soon as one fails (Task.WhenAll would wait for the rest).</summary>
    private static async Task<JobResult[]> FirstFailureOrAll(IReadOnlyList<Task<JobResult>> calls)
    {
        var pending = calls.ToList();
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            await done.ConfigureAwait(false); // rethrows a failure at once
            pending.Remove(done);
        }
        return [.. calls.Select(c => c.Result)];
    }
}
