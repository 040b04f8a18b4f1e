using System.Diagnostics;
using Xunit.Abstractions;

namespace ConcurrencyKata.Tests.Ex12;

/// <summary>Exercise 12-process-pool: long-lived worker processes, reused job after job, each job to whichever is free.</summary>
public sealed class ProcessPoolTests(ITestOutputHelper output)
{
    /// <summary>A worker starts in about 0.1 s on an idle machine; a loaded one may take several times that.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>How long a worker may take to be gone once it has been cancelled or the pool disposed.</summary>
    private static readonly TimeSpan Gone = TimeSpan.FromSeconds(2);

    [Fact]
    public void Jobs_run_in_worker_processes_and_the_results_come_back_in_the_order_of_the_jobs()
    {
        using var scenario = new Scenario();
        var pool = new ProcessPool(3);
        try
        {
            // the first jobs take longest, so their answers come last; the ids go down, so sorting by id does not help either,
            // and the last job has the first one's id (ids are the caller's business: they need not be unique)
            var jobs = Enumerable.Range(0, 9).Select(k => new Job(k == 8 ? 100 : 100 - k, JobKind.Sleep, (8 - k) * 40)).ToList();

            var results = Map(scenario, pool, jobs, "Expected MapAsync over 9 short jobs, on 3 workers, to return their results.");

            Record(scenario, jobs, results);
            scenario.Check(results.Count == jobs.Count && jobs.Zip(results).All(p => p.First.Id == p.Second.JobId && p.First.Argument == p.Second.Value), () =>
                $"Expected the results in the order of the jobs: job ids {Explain.List(jobs.Select(j => j.Id))}.\n" +
                $"Observed: job ids {Explain.List(results.Select(r => r.JobId))}. The first jobs sleep longest, so their answers arrive last.\n" +
                "Look at: keep each result at its job's index (results[i] for jobs[i]), whatever order the answers arrive in; " +
                "matching answers to jobs by id fails when two jobs share one.");
            scenario.Check(results.All(r => r.ProcessId != Environment.ProcessId), () =>
                $"Expected every job to run in a worker process.\nObserved: {results.Count(r => r.ProcessId == Environment.ProcessId)} answer(s) came from the test's own process ({Environment.ProcessId}).\n" +
                "Look at: start workers with Process.Start(WorkerProgram.StartInfo()) and send them the jobs; running WorkerLoop here shares the test's process.");
        }
        finally
        {
            DisposeQuietly(pool);
        }
    }

    [Fact]
    public void Workers_are_long_lived_and_reused_from_call_to_call()
    {
        using var scenario = new Scenario();
        const int workers = 2;
        var pool = new ProcessPool(workers);
        try
        {
            var first = Enumerable.Range(1, 20).Select(id => new Job(id, JobKind.Echo, id)).ToList();
            var second = Enumerable.Range(21, 20).Select(id => new Job(id, JobKind.Echo, id)).ToList();

            using var firstCallsToken = new CancellationTokenSource();
            var one = Map(scenario, pool, first, "Expected MapAsync over 20 echo jobs, on 2 workers, to return their results.", firstCallsToken.Token);
            firstCallsToken.Cancel(); // the first call is over: its token has nothing left to cancel
            var two = Map(scenario, pool, second, "Expected a second MapAsync over 20 echo jobs, on the same pool, to return their results " +
                "(the first call's token was cancelled after it had returned: a registration on it that outlives the call kills idle workers).");

            var processes = one.Concat(two).Select(r => r.ProcessId).Distinct().ToList();
            scenario.Check(processes.All(pid => pid != Environment.ProcessId), () =>
                $"Expected the jobs to run in worker processes.\nObserved: answers from the test's own process ({Environment.ProcessId}).\n" +
                "Look at: start workers with Process.Start(WorkerProgram.StartInfo()) and send them the jobs.");
            scenario.Check(processes.Count <= workers, () =>
                $"Expected at most {workers} worker processes for both calls: the pool keeps its workers and gives each one job after job.\n" +
                $"Observed: {processes.Count} distinct processes ran the 40 jobs (first call: {one.Select(r => r.ProcessId).Distinct().Count()}, second call: {two.Select(r => r.ProcessId).Distinct().Count()}" +
                $"{(one.Select(r => r.ProcessId).Intersect(two.Select(r => r.ProcessId)).Any() ? "" : ", none of them in both calls")}).\n" +
                "Look at: starting a process costs milliseconds, sending a job a few microseconds. Start a worker once, keep its pipes open, " +
                "and after each answer send it the next job; keep the workers from one call to the next, and end them only in DisposeAsync.");
            var running = ChildProcesses.Workers();
            scenario.Check(running is null || running.Count <= workers, () =>
                $"Expected at most {workers} worker processes running between calls.\nObserved: {running!.Count} running: PID {Explain.List(running!)}.\n" +
                "Look at: a worker that is replaced must be ended; only workerCount may exist at a time.");
        }
        finally
        {
            DisposeQuietly(pool);
        }
    }

    [Fact]
    public void Each_job_goes_to_whichever_worker_is_free()
    {
        using var scenario = new Scenario();
        var pool = new ProcessPool(2);
        try
        {
            StartAllWorkers(scenario, pool, 2);
            var slow = new Job(1, JobKind.Sleep, 2000);
            var quick = Enumerable.Range(2, 8).Select(id => new Job(id, JobKind.Sleep, 20)).ToList();
            List<Job> jobs = [slow, .. quick];

            var results = Map(scenario, pool, jobs, "Expected MapAsync over one 2 s job and eight 20 ms jobs, on 2 workers, to return their results.");

            Record(scenario, jobs, results);
            var slowResult = results[0];
            var heldBack = results.Skip(1).Where(r => r.EndTimestamp > slowResult.EndTimestamp).ToList();
            scenario.Check(heldBack.Count == 0, () =>
                "Expected the eight quick jobs to finish on the other worker while the first worker sleeps 2 s: each job goes to whichever worker is free.\n" +
                $"Observed: {heldBack.Count} quick job(s) finished after the slow one (job ids {Explain.List(heldBack.Select(r => r.JobId))}, " +
                $"in process{(heldBack.Select(r => r.ProcessId).Distinct().Count() == 1 ? "" : "es")} {Explain.List(heldBack.Select(r => r.ProcessId).Distinct())}; the slow job ran in {slowResult.ProcessId}). See the timeline.\n" +
                "Look at: dealing the jobs out in advance (round robin, or one slice per worker) queues quick jobs behind a slow one. " +
                "Give a worker its next job only when it has answered its last one, from one queue all workers share.");
        }
        finally
        {
            DisposeQuietly(pool);
        }
    }

    [Fact]
    public void The_workers_run_jobs_at_the_same_time()
    {
        using var scenario = new Scenario();
        using var meetings = new Meetings();
        const int workers = 3;
        var pool = new ProcessPool(workers);
        try
        {
            var name = meetings.Name("together");
            var jobs = Enumerable.Range(1, workers).Select(id => new Job(id, JobKind.Rendezvous, workers, name)).ToList();

            var (results, error) = scenario.Attempt(() => pool.MapAsync(jobs), Patience,
                $"Expected MapAsync over {workers} rendezvous jobs, on {workers} workers, to return once they had met.");

            scenario.Check(error is null && results is not null, () =>
                $"Expected {workers} rendezvous jobs on {workers} workers to meet: each worker waits (at most {WorkerProtocol.RendezvousTimeout.TotalSeconds:0} s) until all {workers} are running one.\n" +
                $"Observed: {Explain.Exception(error)}{(error is WorkerFailedException { StandardError: var stderr } && stderr.Length > 0 ? $", the worker said: {stderr.Trim()}" : "")}.\n" +
                "Look at: send a job to every free worker before waiting for any answer; nothing may make the workers take turns " +
                "(a lock or a SemaphoreSlim(1) around sending and reading).");
            Record(scenario, jobs, results!);
            scenario.Check(results!.Select(r => r.ProcessId).Distinct().Count() == workers, () =>
                $"Expected the {workers} jobs in {workers} different processes.\nObserved: processes {Explain.List(results!.Select(r => r.ProcessId))}.");
            scenario.Check(results!.Max(r => r.StartTimestamp) < results!.Min(r => r.EndTimestamp), () =>
                "Expected the workers' reported intervals to overlap: every job started before any ended.\nObserved: they did not (see the timeline).");
        }
        finally
        {
            DisposeQuietly(pool);
        }
    }

    [SkippableFact]
    public void Cpu_bound_jobs_run_in_parallel_in_several_processes()
    {
        Skip.If(Environment.ProcessorCount < 2, $"this machine has {Environment.ProcessorCount} core: nothing can run in parallel on it.");
        using var scenario = new Scenario();
        var pools = new Dictionary<int, ProcessPool> { [1] = new(1), [2] = new(2) };
        try
        {
            const int jobCount = 6;
            const int perJobMs = 60;
            var jobs = Enumerable.Range(1, jobCount).Select(id => new Job(id, JobKind.Compute, perJobMs)).ToList();
            StartAllWorkers(scenario, pools[2], 2);
            Map(scenario, pools[1], [new Job(0, JobKind.Compute, 1)], "Expected MapAsync over one compute job to return its result."); // the worker calibrates its computation once
            // the work's CPU time is what the workers report for their jobs: only the jobs' own computation counts
            var meter = new ParallelSpeedup.WorkMeter();

            var judgement = ParallelSpeedup.Judge(workers =>
            {
                var results = Map(scenario, pools[workers], jobs, $"Expected MapAsync over {jobCount} jobs of {perJobMs} ms of computation, on {workers} worker(s), to return.");
                Record(scenario, jobs, results); // each worker's jobs on its own lane of the report's timeline
                foreach (var result in results)
                {
                    meter.Add(result.CpuTime);
                }
            }, meter);
            output.WriteLine(judgement.ToString()); // the figures, kept with the run's results (.kata/results/<variant>/results.jsonl)

            Skip.If(judgement.Verdict == ParallelismProbe.Verdict.Inconclusive,
                $"the machine never had a second core free for this process during the check, so parallelism could not be judged:\n{judgement}");
            scenario.Check(judgement.Verdict == ParallelismProbe.Verdict.Parallel, () =>
                $"Expected {jobCount} CPU-bound jobs to finish faster on 2 workers than on 1, the workers computing on two cores at once " +
                "(their CPU time over wall time above 1), as two raw threads computing right before and right after did.\n" +
                $"Observed:\n{judgement}\n" +
                "Look at: anything that lets one worker have a job at a time (a lock or a SemaphoreSlim(1) around sending and reading, " +
                "awaiting each answer before sending the next job) makes the processes take turns: concurrent, not parallel.");
        }
        finally
        {
            foreach (var pool in pools.Values)
            {
                DisposeQuietly(pool);
            }
        }
    }

    [Fact]
    public void A_crashing_job_fails_the_call_once_every_other_job_has_run()
    {
        using var scenario = new Scenario();
        using var meetings = new Meetings();
        // one worker: the jobs after the crash can only run if the pool goes on, on a new worker
        var pool = new ProcessPool(1);
        try
        {
            var crash = new Job(2, JobKind.Crash, 7, meetings.Name("crash-2")); // leaves a trace each time it runs
            var others = new[] { 1, 3, 4, 5, 6, 7 }.Select(meetings.Trace).ToList();
            List<Job> jobs = [others[0], crash, .. others.Skip(1)];

            var error = scenario.Catch(() => pool.MapAsync(jobs), TimeSpan.FromSeconds(10),
                "Expected MapAsync, on 1 worker, to end once every job had been tried; job 2 crashes its worker. " +
                "Look for: a worker that died still counted as busy (or its place never given back), so no job can be sent any more.");
            var notRun = others.Where(job => !Meetings.Ran(job)).Select(job => job.Id).ToList(); // at the moment the call ended

            scenario.Check(error is WorkerFailedException { JobId: 2 }, () =>
                "Expected a WorkerFailedException naming job 2 (JobId = 2), whose worker crashed with exit code 7.\n" +
                $"Observed: {Explain.Exception(error)}{(error is WorkerFailedException w ? $" with JobId {w.JobId?.ToString() ?? "null"}, ExitCode {w.ExitCode?.ToString() ?? "null"}" : "")}.\n" +
                "Look at: a worker whose output ends before it answers has died: throw new WorkerFailedException(message, exitCode, stderr, job.Id) for that job, " +
                "and let the caller see it once the call is over.");
            var crashRuns = Meetings.Arrived(crash.Text!);
            scenario.Check(crashRuns == 1, () =>
                $"Expected job 2 to run once: its worker crashed, and a crash is reported by job, not tried again.\n" +
                $"Observed: job 2 ran {crashRuns} time(s).\n" +
                "Look at: a job that crashed its worker may crash the next one too, or do its work twice (a payment, an e-mail): " +
                "report the crash for that job and start a new worker for the jobs still to come, not for that one.");
            scenario.Check(notRun.Count == 0, () =>
                $"Expected every other job to have run by the time the call ended: one crash does not stop the rest.\n" +
                $"Observed: job(s) {Explain.List(notRun)} had not run (jobs 3 to 7 come after the crash, and the pool has 1 worker).\n" +
                "Look at: record the failure, start a new worker in place of the dead one, go on dispatching, and throw once every job has been tried.");
            DisposeAndCheckNoWorkerLeft(scenario, pool, "after a call in which a worker crashed");
        }
        finally
        {
            DisposeQuietly(pool);
        }
    }

    [Fact]
    public void A_worker_that_crashed_is_replaced_and_the_pool_stays_usable()
    {
        using var scenario = new Scenario();
        using var meetings = new Meetings();
        const int workers = 2;
        var pool = new ProcessPool(workers);
        try
        {
            StartAllWorkers(scenario, pool, workers);
            var crashed = scenario.Catch(() => pool.MapAsync([new Job(1, JobKind.Crash, 7)]), Patience, "Expected MapAsync to end once its one job had crashed its worker.");
            if (crashed is NotImplementedException)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(crashed).Throw();
            }

            // the rendezvous gives up after 5 s: 10 s is enough for a new worker to start, even on a busy machine
            var (_, error) = scenario.Attempt(() => pool.MapAsync(Meet(meetings, workers)), TimeSpan.FromSeconds(10),
                "Expected MapAsync, on the same pool after a worker had crashed, to return. " +
                "Look for: a worker that died still counted as busy (or its place never given back), so the second job waits for a worker forever.");
            scenario.Check(error is null, () =>
                $"Expected the pool to work with all {workers} workers after one crashed: {workers} rendezvous jobs must meet, one on each worker.\n" +
                $"Observed: {Explain.Exception(error)}.\n" +
                "Look at: a worker that has died cannot take jobs: forget it, and start a new one in its place (the pool has workerCount workers again).");
            var running = ChildProcesses.Workers();
            scenario.Check(running is null || running.Count <= workers, () =>
                $"Expected at most {workers} worker processes running after the crashed one was replaced.\nObserved: PID {Explain.List(running!)}.");
            DisposeAndCheckNoWorkerLeft(scenario, pool, "after a worker had crashed and been replaced");
        }
        finally
        {
            DisposeQuietly(pool);
        }
    }

    [Fact]
    public void A_worker_that_writes_a_lot_to_stderr_still_answers()
    {
        using var scenario = new Scenario();
        var pool = new ProcessPool(1);
        try
        {
            var jobs = new List<Job> { new(1, JobKind.Noisy, 1024), new(2, JobKind.Echo, 5) };

            var (results, error) = scenario.Attempt(() => pool.MapAsync(jobs), TimeSpan.FromSeconds(8),
                "Expected MapAsync to finish: the worker writes 1 MB to standard error, then answers. " +
                "Deadlock suspected: a pipe holds about 64 KB, and a worker whose standard error nobody reads stops at its next write, " +
                "while the pool waits for its answer on standard output. Read every worker's standard error all the time, from its start " +
                "(a loop of ReadAsync in a task of its own, or BeginErrorReadLine), not only when something went wrong.");

            scenario.Check(error is null && results is not null && results[0].Value == 1024 * 1024 && results[1].Value == 5, () =>
                $"Expected the answers to both jobs (1 MB written to stderr, then an echo).\nObserved: {(error is null ? Explain.List(results!) : Explain.Exception(error))}.");
        }
        finally
        {
            DisposeQuietly(pool);
        }
    }

    [PlatformLimit("macOS, Windows", "the message need not name the worker's process ID, and a worker left running is not found: " + PlatformReasons.ChildListing)]
    [Fact]
    public void An_answer_that_is_not_a_result_gives_WorkerFailedException_naming_the_worker()
    {
        using var scenario = new Scenario();
        var job = new Job(4, JobKind.Sleep, 400);
        var seen = new HashSet<int>();
        using var watching = new CancellationTokenSource();
        var watch = Task.Run(() =>
        {
            while (!watching.IsCancellationRequested)
            {
                foreach (var pid in ChildProcesses.Workers() ?? [])
                {
                    lock (seen)
                    {
                        seen.Add(pid);
                    }
                }
                Thread.Sleep(10);
            }
        });
        WorkerProgram.Fault.Value = "garbage"; // the workers started from here on do their job, then answer a line that is not a result
        ProcessPool? pool = null;
        Exception? error;
        try
        {
            var created = new ProcessPool(1);
            pool = created;
            error = scenario.Catch(() => created.MapAsync([job]), Patience, "Expected MapAsync to end once the worker had answered.");
        }
        finally
        {
            WorkerProgram.Fault.Value = null;
            watching.Cancel();
            watch.Wait(TimeSpan.FromSeconds(5));
            if (pool is not null)
            {
                DisposeQuietly(pool);
            }
        }

        int[] workers;
        lock (seen)
        {
            workers = [.. seen];
        }
        scenario.Check(error is WorkerFailedException, () =>
            $"Expected a WorkerFailedException when a worker answers \"job 4 done, result unknown\" instead of a result.\nObserved: {Explain.Exception(error)}.\n" +
            "Look at: WorkerProtocol.ReadResult throws a FormatException for a line that is not a result: turn it into a WorkerFailedException. " +
            "(The judge makes the worker misbehave through WorkerProgram.StartInfo(): call it for each worker you start, do not keep one in a static field.)");
        scenario.Check(!ChildProcesses.CanList || workers.Any(pid => error!.Message.Contains(pid.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)), () =>
            $"Expected the exception's message to name the worker that answered nonsense, by its process id ({(workers.Length == 0 ? "none was seen running" : $"PID {string.Join(" or ", workers)}")}).\n" +
            $"Observed: \"{error!.Message}\".\n" +
            "Look at: with several workers, the PID is how someone finds the one that misbehaves (its logs, its state): put process.Id in the message.");
        var left = ChildProcesses.WaitFor(running => running.Count == 0, Gone);
        scenario.Check(left is null || left.Count == 0, () =>
            $"Expected no worker process left running {Gone.TotalSeconds:0} s after the pool was disposed.\nObserved: PID {Explain.List(left!)} still running.\n" +
            "Look at: a worker that answered nonsense cannot be trusted with another job: kill it (the pool starts another when it needs one). " +
            "One that is only forgotten runs on, its pipes still open.");
    }

    [PlatformLimit("macOS, Windows", "skipped: " + PlatformReasons.ChildListing)]
    [SkippableFact]
    public void Cancelling_stops_the_dispatch_and_ends_the_jobs_in_flight()
    {
        Skip.IfNot(ChildProcesses.CanList, PlatformReasons.ChildListing);
        using var scenario = new Scenario();
        using var meetings = new Meetings();
        using var cancel = new CancellationTokenSource();
        const int workers = 2;
        var pool = new ProcessPool(workers);
        try
        {
            StartAllWorkers(scenario, pool, workers);
            // two jobs that wait for a third party who never comes (the workers would give up after 5 s), then jobs that leave a trace
            var stuck = meetings.Name("stuck");
            var traces = Enumerable.Range(3, 4).Select(meetings.Trace).ToList();
            List<Job> jobs = [new(1, JobKind.Rendezvous, 3, stuck), new(2, JobKind.Rendezvous, 3, stuck), .. traces];

            var call = Task.Run(() => pool.MapAsync(jobs, cancel.Token));
            var inFlight = SpinWait.SpinUntil(() => Meetings.Arrived(stuck) >= 2 || call.IsCompleted, TimeSpan.FromSeconds(10));
            scenario.ThrowIfEnded(call);
            scenario.Check(inFlight && Meetings.Arrived(stuck) == 2, () =>
                $"Expected both workers to be running one of the first two jobs.\nObserved: {Meetings.Arrived(stuck)} had started after 10 s.");
            var busy = ChildProcesses.Workers()!;
            // every worker is busy and four jobs wait for one: waiting for a free worker needs no CPU
            // (the threads that can run the pool's code: the runtime's own services, the JIT compiling in the background, do not count)
            var process = CpuMeter.Start();
            var code = CodeThreadsCpu.Start();
            Thread.Sleep(300);
            var whole = process.Read();
            var waiting = code?.Used() ?? whole.Cpu;
            scenario.Check(waiting < 0.3 * whole.Wall, () =>
                $"Expected the pool to wait for a free worker without computing: both workers are busy, and 4 jobs wait.\n" +
                $"Observed: the pool's threads used {waiting.TotalMilliseconds:0} ms of CPU in the {whole.Wall.TotalMilliseconds:0} ms the test looked.\n" +
                "Look at: a loop that polls for an idle worker (TryPop, Task.Yield or Thread.SpinWait until one is there) keeps a core busy. " +
                "Await something that completes when a worker is free: SemaphoreSlim.WaitAsync, a Channel's ReadAsync.");
            var clock = Stopwatch.StartNew();
            cancel.Cancel();

            var ended = ((IAsyncResult)call).AsyncWaitHandle.WaitOne(Gone);
            var endedAfter = clock.Elapsed;
            var error = call.IsCompleted ? call.Exception?.InnerException ?? (call.IsCanceled ? new OperationCanceledException() : null) : null;
            scenario.Check(ended, () =>
                $"Expected the call to end within {Gone.TotalSeconds:0} s of cancelling (its jobs in flight would wait 5 s more).\n" +
                "Observed: still running. Look at: pass the token to every wait (the wait for a free worker, the read of an answer), " +
                "or register a callback on it that kills the busy workers.");
            scenario.Check(call.IsCanceled || error is OperationCanceledException, () =>
                $"Expected an OperationCanceledException (a TaskCanceledException is one) after {endedAfter.TotalMilliseconds:0} ms.\n" +
                $"Observed: {(call.IsCompletedSuccessfully ? "results" : Explain.Exception(error))}.\n" +
                "Look at: a cancelled call ends with OperationCanceledException, even when killing its workers made their jobs fail.");
            var left = ChildProcesses.WaitFor(running => !running.Intersect(busy).Any(), Gone)!;
            scenario.Check(!left.Intersect(busy).Any(), () =>
                $"Expected the workers busy with the cancelled jobs (PID {Explain.List(busy)}) to be gone within {Gone.TotalSeconds:0} s of cancelling.\n" +
                $"Observed: PID {Explain.List(left.Intersect(busy))} still running.\n" +
                "Look at: a job in flight cannot be taken back: the worker goes on with it until it ends. Cancelling means killing the busy workers " +
                "(process.Kill(entireProcessTree: true)); the pool starts new ones when it needs them.");
            var (again, failure) = scenario.Attempt(() => pool.MapAsync([new Job(9, JobKind.Echo, 9)]), Patience,
                "Expected MapAsync, on the same pool after a cancelled call, to return.");
            scenario.Check(failure is null && again is [{ Value: 9 }], () =>
                $"Expected the pool to stay usable after a cancelled call.\nObserved: {(failure is null ? Explain.List(again!) : Explain.Exception(failure))}.\n" +
                "Look at: the workers killed by the cancellation must be forgotten, and new ones started when jobs come.");
            // by now a new worker has started and answered: a job sent after the cancellation has had its chance to show itself
            var ranAfter = traces.Where(Meetings.Ran).Select(job => job.Id).ToList();
            scenario.Check(ranAfter.Count == 0, () =>
                $"Expected no job to be sent after the call was cancelled.\nObserved: job(s) {Explain.List(ranAfter)} ran.\n" +
                "Look at: stop dispatching when the token is cancelled: pass it to the wait for a free worker, and check it before sending.");
            DisposeAndCheckNoWorkerLeft(scenario, pool, "after a cancelled call and one more");
        }
        finally
        {
            DisposeQuietly(pool);
        }
    }

    [Fact]
    public void A_token_cancelled_before_the_call_runs_no_job()
    {
        using var scenario = new Scenario();
        using var meetings = new Meetings();
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var pool = new ProcessPool(1);
        try
        {
            var trace = meetings.Trace(1);

            var error = scenario.Catch(() => pool.MapAsync([trace], cancel.Token), TimeSpan.FromSeconds(5),
                "Expected MapAsync with a token that is already cancelled to end at once.");
            Thread.Sleep(200); // room for the job to show itself

            scenario.Check(error is OperationCanceledException, () =>
                $"Expected an OperationCanceledException: the caller had cancelled before calling.\nObserved: {Explain.Exception(error)}.\n" +
                "Look at: cancellationToken.ThrowIfCancellationRequested() before dispatching anything.");
            scenario.Check(!Meetings.Ran(trace), () =>
                "Expected no job to run when the token was cancelled before the call.\nObserved: the job ran.");
        }
        finally
        {
            DisposeQuietly(pool);
        }
    }

    [Fact]
    public void DisposeAsync_ends_every_worker_and_the_pool_cannot_be_used_afterwards()
    {
        using var scenario = new Scenario();
        using var meetings = new Meetings();
        const int workers = 3;
        var pool = new ProcessPool(workers);
        StartAllWorkers(scenario, pool, workers);

        scenario.Run(async () =>
        {
            await pool.DisposeAsync();
            return true;
        }, TimeSpan.FromSeconds(5), $"Expected DisposeAsync to end its {workers} idle workers and return.");

        var left = ChildProcesses.WaitFor(running => running.Count == 0, Gone);
        scenario.Check(left is null || left.Count == 0, () =>
            $"Expected no worker process left running {Gone.TotalSeconds:0} s after DisposeAsync.\nObserved: PID {Explain.List(left!)} still running.\n" +
            "Look at: keep every worker you start, and in DisposeAsync close each one's standard input (an idle worker exits when its input ends), " +
            "await its exit, and kill the ones that do not exit.");
        var error = scenario.Catch(() => pool.MapAsync([new Job(1, JobKind.Echo, 1)]), TimeSpan.FromSeconds(5), "Expected MapAsync on a disposed pool to fail at once.");
        scenario.Check(error is ObjectDisposedException, () =>
            $"Expected ObjectDisposedException from MapAsync on a disposed pool.\nObserved: {Explain.Exception(error)}.\n" +
            "Look at: ObjectDisposedException.ThrowIf(disposed, this) first thing in MapAsync.");
        var twice = scenario.Catch(async () =>
        {
            await pool.DisposeAsync();
            return true;
        }, TimeSpan.FromSeconds(5), "Expected a second DisposeAsync to return at once.");
        scenario.Check(twice is null, () =>
            $"Expected a second DisposeAsync to do nothing (disposing twice is allowed).\nObserved: {Explain.Exception(twice)}.");
    }

    [PlatformLimit("macOS, Windows", "skipped: " + PlatformReasons.ChildListing)]
    [SkippableFact]
    public void DisposeAsync_ends_workers_in_the_middle_of_a_job()
    {
        Skip.IfNot(ChildProcesses.CanList, PlatformReasons.ChildListing);
        using var scenario = new Scenario();
        using var meetings = new Meetings();
        var pool = new ProcessPool(2);
        // two jobs that wait for a third party who never comes: the workers would give up only after 5 s
        var stuck = meetings.Name("stuck");
        var call = Task.Run(() => pool.MapAsync([new(1, JobKind.Rendezvous, 3, stuck), new(2, JobKind.Rendezvous, 3, stuck)]));
        var inFlight = SpinWait.SpinUntil(() => Meetings.Arrived(stuck) >= 2 || call.IsCompleted, TimeSpan.FromSeconds(10));
        scenario.ThrowIfEnded(call);
        scenario.Check(inFlight, () => $"Expected both workers to be running a job.\nObserved: {Meetings.Arrived(stuck)} had started after 10 s.");

        // the busy workers would give up waiting after 5 s by themselves: a DisposeAsync that only waits for them takes that long
        scenario.Run(async () =>
        {
            await pool.DisposeAsync();
            return true;
        }, TimeSpan.FromSeconds(3), "Expected DisposeAsync to end the 2 busy workers and return within 3 s. " +
            "Look for: a busy worker reads its input only between jobs, so closing its standard input and waiting for its exit waits for its job: kill the workers that have not exited.");

        var left = ChildProcesses.WaitFor(running => running.Count == 0, Gone)!;
        scenario.Check(left.Count == 0, () =>
            $"Expected no worker process left running {Gone.TotalSeconds:0} s after DisposeAsync, although both were in the middle of a job.\n" +
            $"Observed: PID {Explain.List(left)} still running.\n" +
            "Look at: a busy worker reads its input only between jobs, so closing its standard input does not end it: kill the workers that have not exited.");
        var ended = ((IAsyncResult)call).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(3));
        scenario.Check(ended, () =>
            "Expected the call whose workers were ended by DisposeAsync to end too (with an exception), within 3 s.\nObserved: still running.\n" +
            "Look at: a read whose worker was killed sees the end of its output; nothing may wait for an answer that can no longer come.");
    }

    [Fact]
    public void MapAsync_returns_a_pending_task_while_the_workers_work()
    {
        using var scenario = new Scenario();
        var pool = new ProcessPool(1);
        try
        {
            var job = new Job(1, JobKind.Sleep, 1500);
            var took = Stopwatch.StartNew();

            var task = scenario.CallOnOwnThread(() => pool.MapAsync([job]), TimeSpan.FromSeconds(1),
                "Expected MapAsync to return a task at once (starting a worker takes milliseconds), while the job sleeps for 1.5 s.");
            var returnedAfter = took.Elapsed;

            scenario.Check(!task.IsCompleted, () =>
                $"Expected MapAsync to return a task that is still running while the worker works (the job sleeps for {job.Argument} ms).\n" +
                $"Observed: the call took {returnedAfter.TotalMilliseconds:0} ms and its task had already {(task.IsFaulted ? "failed" : "completed")}.\n" +
                "Look at: ReadLine(), WaitForExit() and .Result block the calling thread until the worker answers; await ReadLineAsync() instead.");
            var results = scenario.Wait(task, Patience, "Expected the task to complete once the worker had done its job.");
            scenario.Check(results is [{ Value: 1500 }], () => $"Expected the answer to job {job.Id}.\nObserved: {Explain.List(results)}.");
        }
        finally
        {
            DisposeQuietly(pool);
        }
    }

    [Fact]
    public void Arguments_are_checked_and_no_jobs_give_no_results()
    {
        using var scenario = new Scenario();
        var wrongCounts = new[] { 0, -1 }.Where(count =>
        {
            try
            {
                DisposeQuietly(new ProcessPool(count));
                return true;
            }
            catch (ArgumentOutOfRangeException)
            {
                return false;
            }
        }).ToList();
        scenario.Check(wrongCounts.Count == 0, () =>
            $"Expected new ProcessPool(workerCount) to throw ArgumentOutOfRangeException for a workerCount below 1.\nObserved: no exception for {Explain.List(wrongCounts)}.\n" +
            "Look at: ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1) in the constructor.");

        var pool = new ProcessPool(1);
        try
        {
            scenario.CheckNullArgumentsRejected("MapAsync", ("jobs", () => pool.MapAsync(null!)));
            var (results, error) = scenario.Attempt(() => pool.MapAsync([]), TimeSpan.FromSeconds(5), "Expected MapAsync over no jobs to return at once.");
            scenario.Check(error is null && results is { Count: 0 }, () =>
                $"Expected an empty list of results for an empty list of jobs.\nObserved: {(error is null ? Explain.List(results!) : Explain.Exception(error))}.");
        }
        finally
        {
            DisposeQuietly(pool);
        }
    }

    /// <summary>Runs <paramref name="jobs"/> on <paramref name="pool"/>, failing the test with <paramref name="whatWasExpected"/> if the call fails or takes too long.</summary>
    private static IReadOnlyList<JobResult> Map(Scenario scenario, ProcessPool pool, IReadOnlyList<Job> jobs, string whatWasExpected, CancellationToken cancellationToken = default)
    {
        var (results, error) = scenario.Attempt(() => pool.MapAsync(jobs, cancellationToken), Patience, whatWasExpected);
        if (error is NotImplementedException)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw(); // the stub: said as itself
        }
        scenario.Check(error is null && results is not null, () => $"{whatWasExpected}\nObserved: {Explain.Exception(error)}.");
        return results!;
    }

    /// <summary>
    /// <paramref name="workers"/> rendezvous jobs for as many parties: they meet only when each runs on a
    /// worker of its own at the same time, so every worker of a pool of that size has started (and is warm).
    /// </summary>
    private static void StartAllWorkers(Scenario scenario, ProcessPool pool, int workers)
    {
        using var meetings = new Meetings();
        Map(scenario, pool, Meet(meetings, workers),
            $"Expected {workers} rendezvous jobs on a pool of {workers} workers to meet: each waits until all {workers} are running one " +
            "(send a job to every free worker before waiting for any answer).");
    }

    private static List<Job> Meet(Meetings meetings, int parties)
    {
        var name = meetings.Name("all-workers");
        return [.. Enumerable.Range(1, parties).Select(id => new Job(1000 + id, JobKind.Rendezvous, parties, name))];
    }

    private static void Record(Scenario scenario, IReadOnlyList<Job> jobs, IReadOnlyList<JobResult> results)
    {
        foreach (var result in results)
        {
            if (jobs.FirstOrDefault(j => j.Id == result.JobId) is { } job)
            {
                scenario.Spans.Add(WorkerDriver.SpanOf(job, result));
            }
        }
    }

    /// <summary>Disposes the pool (at most 5 s), then checks that no worker of the test is left running 2 s later (Linux).</summary>
    private static void DisposeAndCheckNoWorkerLeft(Scenario scenario, ProcessPool pool, string when)
    {
        scenario.Run(async () =>
        {
            await pool.DisposeAsync();
            return true;
        }, TimeSpan.FromSeconds(5), $"Expected DisposeAsync to end the pool's workers and return ({when}).");
        var left = ChildProcesses.WaitFor(running => running.Count == 0, Gone);
        scenario.Check(left is null || left.Count == 0, () =>
            $"Expected no worker process left running {Gone.TotalSeconds:0} s after DisposeAsync ({when}).\nObserved: PID {Explain.List(left!)} still running.\n" +
            "Look at: every worker the pool ever started must end: the ones it replaced (killed when they failed or were cancelled) " +
            "as much as the ones it still has (ended in DisposeAsync). A worker that is only forgotten runs on, its pipes still open.");
    }

    /// <summary>Disposes the pool, waiting at most 10 s and swallowing what it throws (the scenario kills any worker left when the test ends).</summary>
    private static void DisposeQuietly(ProcessPool pool)
    {
        try
        {
            pool.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is AggregateException or ObjectDisposedException or InvalidOperationException)
        {
            // what matters is checked elsewhere
        }
    }
}
