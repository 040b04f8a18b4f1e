using System.Collections.Concurrent;
using System.Diagnostics;
using Xunit.Abstractions;

namespace ConcurrencyKata.Tests.Ex07;

/// <summary>Exercise 07-thread-workers: a fixed set of threads of your own, sharing one queue of items.</summary>
public sealed class ThreadWorkersTests(ITestOutputHelper output)
{
    /// <summary>How long the stuck item is held once the others are done: longer than a bounded Join a worker loop might give up after.</summary>
    private static readonly TimeSpan StuckFor = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(500);

    private static List<int> Items(int count) => [.. Enumerable.Range(0, count)];

    private static string ValueOf(int item) => $"v{item}";

    [Fact]
    public void Workers_are_threads_of_its_own_and_all_of_them_work_at_the_same_time()
    {
        using var scenario = new Scenario();
        const int workers = 3;
        var items = Items(10);
        var work = new ControlledWork<int, string>(scenario, ValueOf);
        var callerThread = (Thread?)null;
        var aliveAtReturn = new List<int>();

        var call = scenario.StartOnOwnThread(() =>
        {
            callerThread = Thread.CurrentThread;
            var values = ThreadWorkers.Run(items, work.Work, workers);
            aliveAtReturn.AddRange(work.Calls.Where(c => c.Thread.IsAlive && c.Thread != Thread.CurrentThread).Select(c => c.ThreadId).Distinct());
            return values;
        });
        var allAtWork = work.WaitForCalls(workers, Patience);
        scenario.ThrowIfEnded(call);
        scenario.Check(allAtWork, () =>
            $"Expected {workers} items in progress at the same time, one on each of {workers} workers: every item waits until the test answers it.\n" +
            $"Observed: {work.CallCount} item(s) had started after {Patience.TotalSeconds:0} s. One lock around all the work, or one worker doing everything, gets 1.\n" +
            "Look at: start every worker thread before you wait for any of them, and let each take items on its own.");
        Thread.Sleep(100); // room for a surplus worker to show itself
        scenario.Check(work.CallCount == workers, () =>
            $"Expected exactly {workers} items in progress while none of them had finished: workerCount is {workers}.\n" +
            $"Observed: {work.CallCount} items had started. Each of your threads takes one item at a time, so more items in progress means more threads than workerCount.\n" +
            "Look at: start Math.Min(workerCount, items.Count) threads, no more.");

        work.AnswerAll(items);
        var values = scenario.Wait(call, Patience, "Expected Run to return once every item had been answered.");

        scenario.Check(values.SequenceEqual(items.Select(ValueOf)), () =>
            $"Expected every item's result, in the order of the items.\nObserved: {Explain.List(values)}.");
        var threads = work.Calls.GroupBy(c => c.ThreadId).Select(g => g.First()).ToList();
        scenario.Check(threads.All(t => !t.IsThreadPoolThread) && threads.All(t => t.Thread != callerThread), () =>
            "Expected every item to run on a thread your code created (new Thread), never on the thread pool nor on the caller's thread.\n" +
            $"Observed: {threads.Count(t => t.IsThreadPoolThread)} thread-pool thread(s) ran items" +
            $"{(threads.Any(t => t.Thread == callerThread) ? ", and the caller's own thread ran items" : "")}.\n" +
            "Look at: Task.Run, Parallel.For/ForEach and PLINQ all borrow thread-pool threads; this exercise is about threads you start and join yourself. " +
            "The calling thread only waits (Join).");
        scenario.Check(threads.Count == workers, () =>
            $"Expected exactly {workers} worker threads to share the {items.Count} items.\n" +
            $"Observed: {threads.Count} distinct threads ran items.\n" +
            "Look at: a fixed set of workers, each looping 'take the next item, run it' until the queue is empty; not a thread per item.");
        scenario.Check(aliveAtReturn.Count == 0, () =>
            "Expected every worker thread to have ended by the time Run returned.\n" +
            $"Observed: {aliveAtReturn.Count} worker thread(s) were still alive at that moment (T{string.Join(", T", aliveAtReturn)}).\n" +
            "Look at: Join every thread you started before returning. Waiting for the results (a counter, an event) is not the same: the thread may still be running, or waiting for more items forever.");
        scenario.CheckNothingLeftBehind(Grace, "Run");
    }

    [Fact]
    public void One_stuck_item_does_not_hold_back_the_others()
    {
        using var scenario = new Scenario();
        const int workers = 3;
        var items = Items(12);
        var work = new ControlledWork<int, string>(scenario, ValueOf);
        var others = items.Where(i => i != 0).ToList();
        work.AnswerAll(others); // every item but 0 answers as soon as it starts

        var call = scenario.StartOnOwnThread(() => ThreadWorkers.Run(items, work.Work, workers));
        var allOthersDone = SpinWait.SpinUntil(() => others.All(i => work.Calls.Any(c => c.Input == i)) && work.Pending.All(i => i == 0) || call.IsCompleted, Patience);
        scenario.ThrowIfEnded(call);
        var notRun = others.Where(i => !work.Calls.Any(c => c.Input == i)).ToList();
        scenario.Check(allOthersDone && notRun.Count == 0, () =>
            $"Expected the other {workers - 1} workers to run all {others.Count} remaining items while item 0 was stuck (the test never answered it).\n" +
            $"Observed: {notRun.Count} item(s) never started while item 0 was held: {Explain.List(notRun)}.\n" +
            "Look at: splitting the list into fixed slices (or every n-th item) per worker ties items to the worker that is stuck. " +
            "Share one queue: whichever worker is free takes the next item.");

        // a worker's thread is joined only when it has finished: a bounded Join whose answer is ignored returns while item 0 runs
        var returnedWhileHeld = call.Wait(StuckFor);
        scenario.Check(!returnedWhileHeld, () =>
            $"Expected Run to return only when every item had finished: item 0 was still running, held by the test for {StuckFor.TotalSeconds:0} s.\n" +
            $"Observed: Run returned while item 0 was in progress{(call.IsCompletedSuccessfully ? $", with {Explain.List(call.Result)}" : "")}.\n" +
            "Look at: Thread.Join(timeout) returns false when the thread is still running; Join() without a timeout waits for it to end. " +
            "A worker is done when its thread has ended, not when the queue is empty.");
        work.Answer(0);
        var values = scenario.Wait(call, Patience, "Expected Run to return once item 0 was answered too.");
        scenario.Check(values.SequenceEqual(items.Select(ValueOf)), () =>
            $"Expected every item's result, in the order of the items.\nObserved: {Explain.List(values)}.");
        scenario.CheckNothingLeftBehind(Grace, "Run");
    }

    [Fact]
    public void Results_come_back_in_the_order_of_the_items_not_the_order_they_finish_in()
    {
        using var scenario = new Scenario();
        var items = Items(9);
        var work = new ControlledWork<int, string>(scenario, ValueOf);

        var call = scenario.StartOnOwnThread(() => ThreadWorkers.Run(items, work.Work, 3));
        var clock = Stopwatch.StartNew();
        while (!call.IsCompleted && clock.Elapsed < Patience)
        {
            if (work.Pending is { Count: > 0 } pending)
            {
                work.Answer(pending[^1]); // the newest first
                work.WaitUntilFinished(pending[^1], Patience);
            }
            else
            {
                Thread.Sleep(1);
            }
        }
        var values = scenario.Wait(call, Patience, "Expected Run to return once every item had been answered.");

        scenario.Check(values.SequenceEqual(items.Select(ValueOf)), () =>
            $"Expected the results in the order of the items: {Explain.List(items.Select(ValueOf))}.\n" +
            $"Observed: {Explain.List(values)}.\n" +
            "The test always finished the item that started last first. Look at: store each result at its item's index (an array the size of the list), not in the order results arrive.");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void A_failing_item_does_not_stop_the_others_and_every_failure_is_reported(int workers)
    {
        using var scenario = new Scenario();
        var items = Items(8);
        var failures = new Dictionary<int, Exception>
        {
            [2] = new InvalidOperationException("item 2 failed"),
            [5] = new FormatException("item 5 failed"),
        };
        var attempts = new ConcurrentQueue<int>();
        string Work(int item)
        {
            attempts.Enqueue(item);
            scenario.Observe(Thread.CurrentThread);
            return failures.TryGetValue(item, out var failure) ? throw failure : ValueOf(item);
        }

        var error = scenario.Wait(scenario.StartOnOwnThread<Exception?>(() =>
        {
            try
            {
                ThreadWorkers.Run(items, Work, workers);
                return null;
            }
            catch (Exception e)
            {
                return e;
            }
        }), Patience, $"Expected Run with {workers} worker(s) to end after two items had failed.");

        var missed = items.Where(i => !attempts.Contains(i)).ToList();
        scenario.Check(missed.Count == 0, () =>
            $"Expected every item to be attempted even though items 2 and 5 fail ({workers} worker(s)).\n" +
            $"Observed: never attempted: {Explain.List(missed)}.\n" +
            "Look at: catch the exception around each item inside the worker's loop, remember it, and go on with the next item. " +
            "An exception that leaves the thread's method ends that worker (and an unhandled one ends the whole process).");
        var inner = error is AggregateException aggregate ? aggregate.Flatten().InnerExceptions.ToList() : [];
        scenario.Check(error is AggregateException && inner.Count == 2 && failures.Values.All(f => inner.Contains(f)), () =>
            "Expected Run to throw an AggregateException holding both items' exceptions (in any order), after every item was attempted.\n" +
            $"Observed: {Explain.Exception(error)}{(inner.Count > 0 ? $" holding {string.Join(", ", inner.Select(Explain.Exception))}" : "")}.\n" +
            "Look at: collect the failures (a ConcurrentQueue, or a list under a lock: several workers may fail at once), then `throw new AggregateException(failures)` once the workers are joined.");
        scenario.CheckNothingLeftBehind(Grace, "Run");
    }

    [Fact]
    public void Arguments_are_checked_and_no_items_give_an_empty_list()
    {
        using var scenario = new Scenario();
        Func<int, string> work = ValueOf;
        scenario.CheckNullArgumentsRejected("Run",
            ("items", () => Task.FromResult(ThreadWorkers.Run(null!, work, 2))),
            ("work", () => Task.FromResult(ThreadWorkers.Run<int, string>(Items(3), null!, 2))));

        foreach (var count in new[] { 0, -1 })
        {
            var error = scenario.CallOnOwnThread<Exception?>(() =>
            {
                try
                {
                    ThreadWorkers.Run(Items(3), work, count);
                    return null;
                }
                catch (Exception e)
                {
                    return e;
                }
            }, Patience, $"Expected Run with workerCount {count} to be rejected at once.");
            scenario.Check(error is ArgumentOutOfRangeException, () =>
                $"Expected workerCount {count} to be rejected with ArgumentOutOfRangeException.\nObserved: {Explain.Exception(error)}.\n" +
                "Look at: ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1), before any thread starts.");
        }

        var called = 0;
        var none = scenario.CallOnOwnThread(() => ThreadWorkers.Run(new List<int>(), i => { Interlocked.Increment(ref called); return ValueOf(i); }, 4),
            Patience, "Expected Run over no items to return at once.");
        scenario.Check(none is { Count: 0 } && called == 0, () =>
            $"Expected no items to give an empty list, with no work done.\nObserved: {(none is null ? "null" : $"{none.Count} result(s)")}, work called {called} time(s).");
    }

    [PlatformLimit("macOS, Windows", "judged by CPU time only, so a caller that polls with short sleeps is not caught: " + PlatformReasons.Wakeups)]
    [Fact]
    public void The_calling_thread_only_waits()
    {
        using var scenario = new Scenario();
        var items = Items(4);
        var work = new ControlledWork<int, string>(scenario, ValueOf);
        var hold = TimeSpan.FromMilliseconds(300);

        var call = scenario.StartOnOwnThread(() =>
        {
            var cpu = CpuMeter.ThreadCpuTime();
            var wakeups = CpuMeter.ThreadWakeups();
            ThreadWorkers.Run(items, work.Work, 2);
            return (Cpu: CpuMeter.ThreadCpuTime() - cpu, Wakeups: CpuMeter.ThreadWakeups() - wakeups);
        });
        var started = work.WaitForCalls(2, Patience);
        scenario.ThrowIfEnded(call);
        scenario.Check(started, () => $"Expected 2 items in progress at once with workerCount 2.\nObserved: {work.CallCount} had started after {Patience.TotalSeconds:0} s.");
        Thread.Sleep(hold); // nothing can finish: the caller has nothing to do but wait
        work.AnswerAll(items);
        var (cpu, wakeups) = scenario.Wait(call, Patience, "Expected Run to return once every item had been answered.");

        scenario.Check(cpu is null || cpu < TimeSpan.FromMilliseconds(40), () =>
            $"Expected the calling thread to use almost no CPU while the workers' items were held for {hold.TotalMilliseconds:0} ms: it only waits.\n" +
            $"Observed: the caller used {cpu!.Value.TotalMilliseconds:0} ms of CPU.\n" +
            "Look at: a loop that checks whether the workers are done (`while (alive) {{ }}`, SpinWait) burns a core for nothing. Thread.Join blocks without spinning.");
        scenario.Check(wakeups is null || wakeups <= 20, () =>
            $"Expected the calling thread to sleep while the workers' items were held for {hold.TotalMilliseconds:0} ms, waking about once per worker that ends.\n" +
            $"Observed: it woke {wakeups} times.\n" +
            "Look at: polling with Thread.Sleep(1) (or a timed wait in a loop) wakes hundreds of times a second. Thread.Join wakes once, when the thread ends.");
    }

    [Fact]
    public void Items_taken_at_the_same_instant_are_each_run_exactly_once()
    {
        using var scenario = new Scenario();
        const int count = 100_000, workers = 4;
        var items = Items(count);
        var racing = new Stopwatch(); // time spent inside Run, where the workers race
        var rounds = 0;
        string? fault = null;
        // sized by time, not by count: on a busy machine a round can fit in one time slice, and
        // the race shows only while two workers really run at the same instant
        while (fault is null && (rounds < 2 || racing.Elapsed < TimeSpan.FromMilliseconds(400)))
        {
            rounds++;
            var runs = new TouchLog(count);
            var arrivals = 0;
            // every worker's first item waits until all workers hold one: then they race through the rest together
            using var together = new Barrier(workers);
            int Work(int item)
            {
                if (Interlocked.Increment(ref arrivals) <= workers)
                {
                    together.SignalAndWait(TimeSpan.FromSeconds(1));
                }
                runs.Touch(item);
                return item;
            }
            var results = scenario.CallOnOwnThread(() =>
            {
                racing.Start();
                try
                {
                    return ThreadWorkers.Run(items, Work, workers);
                }
                finally
                {
                    racing.Stop();
                }
            },
                Patience, $"Expected Run over {count} quick items with {workers} workers to return.");
            var twice = Enumerable.Range(0, count).Count(i => runs.Touches(i) > 1);
            var never = Enumerable.Range(0, count).Count(i => runs.Touches(i) == 0);
            var misplaced = results.Count != count ? count : Enumerable.Range(0, count).Count(i => results[i] != i);
            if (twice + never + misplaced > 0)
            {
                fault = $"in round {rounds}: {twice} item(s) ran more than once, {never} never ran, {misplaced} result(s) missing or out of place";
                // where: the first item run twice, on which two threads and when (two workers that took the same item at once)
                if (Enumerable.Range(0, count).FirstOrDefault(i => runs.Touches(i) > 1, -1) is var first and >= 0)
                {
                    fault += $"; item {first} ran {runs.Touches(first)} times, {runs.FirstTwo(first)}" +
                             (runs.OnTwoThreads(first) ? ": two workers took the same item at about the same moment" : "");
                }
            }
        }

        scenario.Check(fault is null, () =>
            $"Expected each of {count} quick items to run exactly once with {workers} workers taking items at the same instant, every result at its item's index.\n" +
            $"Observed: {fault}.\n" +
            "Look at: `next++` on a shared int is a read, an add and a write: two workers can read the same value. " +
            "Take items with Interlocked.Increment, a ConcurrentQueue, or under a lock; and store results where no other worker writes.");
    }

    [Fact]
    public void Items_failing_at_the_same_instant_are_each_reported_once()
    {
        using var scenario = new Scenario();
        const int count = 20_000, workers = 4;
        var items = Items(count);
        var errors = items.Select(i => new InvalidOperationException($"item {i} failed")).ToArray();
        var racing = new Stopwatch();
        var rounds = 0;
        string? fault = null;
        // as for the results: every worker's first item waits until all workers hold one, then they fail together
        while (fault is null && (rounds < 2 || racing.Elapsed < TimeSpan.FromMilliseconds(400)))
        {
            rounds++;
            var arrivals = 0;
            using var together = new Barrier(workers);
            string Work(int item)
            {
                if (Interlocked.Increment(ref arrivals) <= workers)
                {
                    together.SignalAndWait(TimeSpan.FromSeconds(1));
                }
                throw errors[item];
            }
            var error = scenario.CallOnOwnThread<Exception?>(() =>
            {
                racing.Start();
                try
                {
                    ThreadWorkers.Run(items, Work, workers);
                    return null;
                }
                catch (Exception e)
                {
                    return e;
                }
                finally
                {
                    racing.Stop();
                }
            },
                Patience, $"Expected Run over {count} failing items with {workers} workers to end.");
            var reported = error is AggregateException aggregate ? aggregate.Flatten().InnerExceptions : [];
            var distinct = reported.Distinct().Count();
            var known = new HashSet<Exception>(errors);
            if (error is not AggregateException || reported.Count != count || distinct != count || !reported.All(known.Contains))
            {
                fault = $"in round {rounds}: {(error is AggregateException ? $"an AggregateException holding {reported.Count} exception(s), {distinct} different, of the {count} thrown" : Explain.Exception(error))}";
            }
        }

        scenario.Check(fault is null, () =>
            $"Expected every one of {count} items that fail at the same instant on {workers} workers to be reported, once each, in one AggregateException.\n" +
            $"Observed: {fault}.\n" +
            "Look at: the workers add their failures to one collection at the same time: a List<Exception> shared without a lock loses some. " +
            "Collect them under a lock, in a ConcurrentQueue, or each worker in its own list merged after the Joins.");
    }

    [SkippableFact]
    public void Cpu_bound_items_run_in_parallel_on_several_cores()
    {
        Skip.If(Environment.ProcessorCount < 2, $"this machine has {Environment.ProcessorCount} core: nothing can run in parallel on it.");
        using var scenario = new Scenario();
        const int itemCount = 12;
        var perItem = TimeSpan.FromMilliseconds(15);
        var items = Items(itemCount);
        var iterations = CpuWork.IterationsFor(perItem);
        // each item's CPU time is read on the thread that runs it: only the work's own CPU counts
        var meter = new ParallelSpeedup.WorkMeter(spans: scenario.Spans);
        ulong Compute(int item) => meter.Spin(iterations, (ulong)item + 1);

        var judgement = ParallelSpeedup.Judge(
            workers => scenario.CallOnOwnThread(() => ThreadWorkers.Run(items, Compute, workers), TimeSpan.FromSeconds(10),
                $"Expected Run over {itemCount} items of {perItem.TotalMilliseconds:0} ms of computation with {workers} worker(s) to return."), meter);
        output.WriteLine(judgement.ToString()); // the figures, kept with the run's results (.kata/results/<variant>/results.jsonl)

        Skip.If(judgement.Verdict == ParallelismProbe.Verdict.Inconclusive,
            $"the machine never had a second core free for this process during the check, so parallelism could not be judged:\n{judgement}");
        scenario.Check(judgement.Verdict == ParallelismProbe.Verdict.Parallel, () =>
            $"Expected {itemCount} CPU-bound items, with 2 workers, to compute on two cores at the same instant (for {ParallelSpeedup.TogetherAtLeast.TotalMilliseconds:0} ms in all), " +
            "or to finish faster than with 1 worker with more CPU time than wall time, as two raw threads computing right before and right after did.\n" +
            $"Observed:\n{judgement}\n" +
            "Look at: a lock held around the work (or anything that lets one worker compute at a time) makes the threads take turns: " +
            "concurrent, not parallel. Hold a lock only to take an item or to store a result, never while computing.");
    }
}
