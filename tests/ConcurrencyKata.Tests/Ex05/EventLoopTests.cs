using System.Collections.Concurrent;
using System.Diagnostics;
using Snapshooter.Xunit;

namespace ConcurrencyKata.Tests.Ex05;

/// <summary>
/// Exercise 05-event-loop: EventLoop.Run keeps every continuation of main on the calling thread.
/// Each check calls Run on a thread of its own, so a loop that never ends fails instead of hanging.
/// </summary>
public sealed class EventLoopTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    [Fact]
    public void Every_continuation_of_main_runs_on_the_calling_thread()
    {
        using var scenario = new Scenario();
        var seen = new ConcurrentQueue<(string Where, int Thread)>();
        var caller = 0;
        void Note(string where) => seen.Enqueue((where, Environment.CurrentManagedThreadId));

        scenario.CallOnOwnThread(() =>
        {
            caller = Environment.CurrentManagedThreadId;
            EventLoop.Run(async () =>
            {
                Note("start of main");
                await Task.Delay(20);
                Note("after await Task.Delay");
                await Task.Yield();
                Note("after await Task.Yield");
                await Task.Run(() => Thread.Sleep(20));
                Note("after await Task.Run");
                var fromElsewhere = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                new Thread(() => { Thread.Sleep(20); fromElsewhere.SetResult(); }) { IsBackground = true }.Start();
                await fromElsewhere.Task;
                Note("after a task completed by another thread");
            });
            return 0;
        }, Patience, "Expected EventLoop.Run to return once main had finished (main takes about 100 ms).");

        var elsewhere = seen.Where(s => s.Thread != caller).ToList();
        scenario.Check(seen.Count == 5 && elsewhere.Count == 0, () =>
            $"Expected main and every continuation after its awaits to run on the thread that called Run (T{caller}).\n" +
            $"Observed: {string.Join("; ", seen.Select(s => $"{s.Where} on T{s.Thread}"))}.\n" +
            "Look at: install your SynchronizationContext (SynchronizationContext.SetSynchronizationContext) before calling main; " +
            "its Post must queue the callback, and Run's thread must take callbacks from the queue and run them.");
    }

    [Fact]
    public void Run_of_T_returns_the_value_of_main()
    {
        using var scenario = new Scenario();

        var value = scenario.CallOnOwnThread(() => EventLoop.Run(async () =>
        {
            await Task.Delay(10);
            await Task.Yield();
            return 42;
        }), Patience, "Expected EventLoop.Run to return once main had finished.");

        scenario.Check(value == 42, () => $"Expected Run to return the value of main, 42.\nObserved: {value}.\nLook at: return task.GetAwaiter().GetResult() once the loop has run main to the end.");
    }

    [Fact]
    public void The_exception_of_main_comes_out_of_Run_as_itself()
    {
        using var scenario = new Scenario();
        var failure = new InvalidOperationException("main failed");

        Exception? error = null;
        scenario.CallOnOwnThread(() =>
        {
            try
            {
                EventLoop.Run(async () =>
                {
                    await Task.Yield();
                    throw failure;
                });
            }
            catch (Exception e)
            {
                error = e;
            }
            return 0;
        }, Patience, "Expected EventLoop.Run to end once main had failed.");

        scenario.Check(ReferenceEquals(error, failure), () =>
            $"Expected Run to throw main's own exception: InvalidOperationException(\"main failed\").\nObserved: {Explain.Exception(error)}.\n" +
            "Look at: task.Wait() and task.Result wrap it in an AggregateException; task.GetAwaiter().GetResult() does not.");
    }

    [Fact]
    public void Run_restores_the_previous_context_and_can_be_called_again()
    {
        using var scenario = new Scenario();
        var marker = new SynchronizationContext();
        var insideWasOwn = new List<bool>();
        var afterwards = new List<string>();
        var failure = new InvalidOperationException("main failed");

        scenario.CallOnOwnThread(() =>
        {
            SynchronizationContext.SetSynchronizationContext(marker);
            // a main that succeeds, one that fails after an await, one that fails before its first await
            Func<Task>[] mains =
            [
                async () => { Note(); await Task.Yield(); },
                async () => { Note(); await Task.Yield(); throw failure; },
                () => { Note(); throw failure; },
            ];
            foreach (var main in mains)
            {
                try
                {
                    EventLoop.Run(main);
                }
                catch (Exception)
                {
                    // how main's exception comes out is another check's business
                }
                afterwards.Add(SynchronizationContext.Current == marker ? "restored" : "not restored");
            }
            return 0;

            void Note() => insideWasOwn.Add(SynchronizationContext.Current is not null && SynchronizationContext.Current != marker);
        }, Patience, "Expected EventLoop.Run to return three times in a row (once after main succeeded, twice after it failed).");

        scenario.Check(insideWasOwn.Count == 3 && insideWasOwn.All(own => own), () =>
            "Expected main to run with the loop's own SynchronizationContext as SynchronizationContext.Current.\n" +
            $"Observed: own context inside main: {Explain.List(insideWasOwn)}.");
        scenario.Check(afterwards.SequenceEqual(["restored", "restored", "restored"]), () =>
            "Expected the caller's SynchronizationContext to be back after each Run: after main succeeded, after it failed " +
            "after an await, and after it threw before its first await.\n" +
            $"Observed: {Explain.List(afterwards)}.\n" +
            "Look at: remember SynchronizationContext.Current before installing yours, and put it back in a finally block: " +
            "main's exception leaves Run too, and must not leave your context behind.");
    }

    [PlatformLimit("macOS, Windows", "judged by CPU time only, so a loop that polls with short sleeps is not caught: " + PlatformReasons.Wakeups)]
    [Fact]
    public void An_idle_loop_sleeps_no_cpu_and_no_polling()
    {
        using var scenario = new Scenario();
        var wait = TimeSpan.FromMilliseconds(800);
        var limit = TimeSpan.FromMilliseconds(200);
        const int wakeupLimit = 8;
        scenario.CallOnOwnThread(() => { EventLoop.Run(async () => await Task.Delay(10)); return 0; }, Patience, "Expected a warm-up run to finish.");

        // measured on the loop's own thread: only what the loop itself burns counts
        var reading = scenario.CallOnOwnThread(() =>
        {
            var meter = CpuMeter.StartForCurrentThread();
            EventLoop.Run(async () => await Task.Delay(wait));
            return meter.Read();
        }, Patience, $"Expected EventLoop.Run to return once main's {wait.TotalMilliseconds:0} ms delay had passed.");

        scenario.Check(reading.Cpu < limit, () =>
            $"Expected a loop with nothing to do to sleep: under {limit.TotalMilliseconds:0} ms of CPU on the loop's thread while main awaits a {wait.TotalMilliseconds:0} ms delay.\n" +
            $"Observed: {reading}. The loop keeps a core busy checking for work.\n" +
            "Look at: block while the queue is empty (BlockingCollection.Take, or SemaphoreSlim.Wait) instead of spinning on TryDequeue.");
        scenario.Check(reading.Wakeups is null || reading.Wakeups <= wakeupLimit, () =>
            $"Expected a loop with nothing to do to sleep until something is posted: at most {wakeupLimit} wake-ups of the loop's thread " +
            $"while main awaits a {wait.TotalMilliseconds:0} ms delay (one post arrives, at the end).\n" +
            $"Observed: {reading}. The loop wakes up every {wait.TotalMilliseconds / Math.Max(1, reading.Wakeups ?? 1):0} ms or so to look for work: it polls.\n" +
            "Look at: Thread.Sleep(n) in a loop around TryDequeue is polling, however small n: it wakes the thread for nothing and adds up to n ms " +
            "to every callback. Block on something that Post signals (BlockingCollection.Take, SemaphoreSlim.Wait, Monitor.Wait).");
    }

    [Fact]
    public void A_continuation_from_another_thread_runs_promptly()
    {
        using var scenario = new Scenario();
        const int rounds = 11;
        var limit = TimeSpan.FromMilliseconds(30);
        var delays = new List<TimeSpan>();

        scenario.CallOnOwnThread(() =>
        {
            EventLoop.Run(async () =>
            {
                for (var round = 0; round < rounds; round++)
                {
                    var answered = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                    new Thread(() =>
                    {
                        Thread.Sleep(15);
                        answered.SetResult(Stopwatch.GetTimestamp());
                    }) { IsBackground = true }.Start();
                    var at = await answered.Task; // resumes through the loop's Post
                    delays.Add(Stopwatch.GetElapsedTime(at));
                }
            });
            return 0;
        }, Patience, $"Expected EventLoop.Run to return once main had awaited {rounds} answers from another thread (about 15 ms each).");

        var median = delays.Order().ElementAt(delays.Count / 2);
        scenario.Check(median < limit, () =>
            $"Expected a continuation posted from another thread to run on the loop within {limit.TotalMilliseconds:0} ms (median of {rounds}).\n" +
            $"Observed: a median of {median.TotalMilliseconds:0.0} ms ({string.Join(", ", delays.Select(d => $"{d.TotalMilliseconds:0.0}"))} ms).\n" +
            "Look at: an idle loop must wake up when Post adds work, not on its own schedule: a Thread.Sleep between looks at the queue delays every callback.");
    }

    [Theory]
    [InlineData("returns a task that another thread completes")]
    [InlineData("awaits with ConfigureAwait(false), so it finishes on another thread")]
    [InlineData("is complete before Run sees it")]
    public void Run_returns_when_main_finishes_even_if_nothing_is_posted(string main)
    {
        using var scenario = new Scenario();
        Func<Task<int>> body = main switch
        {
            "returns a task that another thread completes" => () => CompletedElsewhere(),
            "awaits with ConfigureAwait(false), so it finishes on another thread" => async () => await CompletedElsewhere().ConfigureAwait(false),
            _ => () => Task.FromResult(7),
        };

        var value = scenario.CallOnOwnThread(() => EventLoop.Run(body), Patience,
            $"Expected EventLoop.Run to return as soon as main's task is complete; here main {main}, and nothing is ever posted to the loop.\n" +
            "Look at: a loop that checks for completion only after running a callback waits for a callback that never comes. " +
            "Make main's completion itself wake the loop (task.ContinueWith(_ => complete the queue)), or check before blocking.");
        scenario.Check(value == 7, () => $"Expected Run to return main's value, 7.\nObserved: {value}.");

        static Task<int> CompletedElsewhere()
        {
            var done = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            new Thread(() =>
            {
                Thread.Sleep(30);
                done.SetResult(7);
            }) { IsBackground = true }.Start();
            return done.Task;
        }
    }

    [Fact]
    public void Callbacks_posted_at_the_same_instant_from_several_threads_all_run()
    {
        using var scenario = new Scenario();
        const int posters = 4, maxPerPoster = 100_000;
        // sized by time, not by count: a few thousand posts fit in one time slice, so on a busy
        // machine the posters could take turns and never touch the queue at the same instant
        var postingTime = TimeSpan.FromMilliseconds(30);

        var fault = SimultaneousRounds.FirstFault(_ =>
        {
            var (ran, expected, offLoop, postError, runError) = scenario.CallOnOwnThread(() =>
            {
                var loopThread = Environment.CurrentManagedThreadId;
                int ran = 0, offLoop = 0, posted = 0, postersLeft = posters, expected = int.MaxValue;
                Exception? postError = null, runError = null;
                try
                {
                    EventLoop.Run(async () =>
                    {
                        var loop = SynchronizationContext.Current!;
                        var allRan = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        void Callback(object? _)
                        {
                            offLoop += Environment.CurrentManagedThreadId == loopThread ? 0 : 1;
                            if (++ran == Volatile.Read(ref expected)) // on the loop's one thread: no lock needed
                            {
                                allRan.TrySetResult();
                            }
                        }
                        // four threads start together, then each posts for the same stretch of time: Post runs on
                        // all four at once, as it does when timers, I/O and Task.Run finish together
                        SimultaneousStart.Run(posters, _ =>
                        {
                            var clock = Stopwatch.StartNew();
                            var mine = 0;
                            try
                            {
                                while (mine < maxPerPoster && (mine % 64 != 0 || clock.Elapsed < postingTime))
                                {
                                    loop.Post(Callback, null);
                                    mine++;
                                }
                            }
                            catch (Exception e)
                            {
                                Interlocked.CompareExchange(ref postError, e, null);
                                allRan.TrySetResult();
                            }
                            Interlocked.Add(ref posted, mine);
                            if (Interlocked.Decrement(ref postersLeft) == 0)
                            {
                                // the last poster knows the count: one more callback, so the last one to run sees it
                                Volatile.Write(ref expected, Volatile.Read(ref posted) + 1);
                                loop.Post(Callback, null);
                            }
                        });
                        await allRan.Task.WaitAsync(TimeSpan.FromSeconds(2));
                    });
                }
                catch (Exception e)
                {
                    runError = e;
                }
                return (ran, expected, offLoop, postError, runError);
            }, Patience,
                $"Expected EventLoop.Run to return once every callback, posted at the same instant from {posters} threads, had run on the loop.\n" +
                "Look at: a Queue<T> or List<T> used from several threads without a lock gets corrupted, and the loop then waits for callbacks that are gone.");
            return postError is not null ? $"Post threw {Explain.Exception(postError)}."
                : runError is not null ? $"Run threw {Explain.Exception(runError)} after {ran} of {expected} callbacks had run."
                : ran != expected ? $"{ran} of {expected} callbacks ran."
                : offLoop > 0 ? $"{offLoop} callbacks ran off the loop's thread."
                : null;
        });

        scenario.Check(fault is null, () =>
            $"Expected every callback, posted from {posters} threads at the same instant for {postingTime.TotalMilliseconds:0} ms, to run once, on the loop's thread.\n" +
            $"Observed: {fault}\n" +
            "Post is called from any thread, often several at once: the queue behind it must be thread-safe.\n" +
            "Look at: a BlockingCollection or ConcurrentQueue (or a lock around a Queue<T>, in Post and where the loop takes from it).");
    }

    [Fact]
    public void A_continuation_that_arrives_after_Run_has_returned_does_not_throw()
    {
        using var scenario = new Scenario();
        SynchronizationContext? loop = null;

        scenario.CallOnOwnThread(() =>
        {
            EventLoop.Run(async () =>
            {
                loop = SynchronizationContext.Current;
                await Task.Yield();
            });
            return 0;
        }, Patience, "Expected EventLoop.Run to return once main had finished.");
        scenario.Check(loop is not null, () => "Expected SynchronizationContext.Current inside main to be the loop's context.\nObserved: null.");

        // as a fire-and-forget task inside main would do, when it finishes after Run has returned
        var error = scenario.CallOnOwnThread<Exception?>(() =>
        {
            try
            {
                loop!.Post(_ => { }, null);
                return null;
            }
            catch (Exception e)
            {
                return e;
            }
        }, Patience, "Expected Post on a loop that has ended to return at once.");

        scenario.Check(error is null, () =>
            "Expected Post on the loop's context to be harmless after Run has returned: a task started inside main and not awaited " +
            "(fire and forget) finishes later and posts its continuation to the context it captured.\n" +
            $"Observed: Post threw {Explain.Exception(error)}. Thrown there, it is rethrown on a thread-pool thread and ends the whole process.\n" +
            "Look at: once the loop has ended, run late callbacks on the thread pool (ThreadPool.QueueUserWorkItem) or drop them; never throw from Post.");
    }

    [Fact]
    public void A_null_main_is_rejected_with_ArgumentNullException()
    {
        using var scenario = new Scenario();
        static Exception? Attempt(Action run)
        {
            try
            {
                run();
                return null;
            }
            catch (Exception e)
            {
                return e;
            }
        }
        // on a thread of its own: a loop that starts with nothing to run might wait for ever
        var plain = scenario.CallOnOwnThread(() => Attempt(() => EventLoop.Run(null!)), Patience, "Expected EventLoop.Run(null) to end at once.");
        var typed = scenario.CallOnOwnThread(() => Attempt(() => EventLoop.Run<int>(null!)), Patience, "Expected EventLoop.Run<int>(null) to end at once.");

        scenario.Check(plain is ArgumentNullException { ParamName: "main" } && typed is ArgumentNullException { ParamName: "main" }, () =>
            "Expected both overloads of Run to reject a null main with ArgumentNullException naming \"main\", before running anything.\n" +
            $"Observed: Run(null) gave {Explain.Exception(plain)}; Run<int>(null) gave {Explain.Exception(typed)}.\n" +
            "Look at: ArgumentNullException.ThrowIfNull(main) first, in each overload: an overload that wraps main in a lambda never sees the null itself.");
    }

    [Fact]
    public void Two_coroutines_that_yield_in_turn_interleave_step_by_step()
    {
        using var scenario = new Scenario();
        var log = new List<string>();

        scenario.CallOnOwnThread(() =>
        {
            EventLoop.Run(async () =>
            {
                async Task CoroutineAsync(string name)
                {
                    for (var step = 1; step <= 3; step++)
                    {
                        log.Add($"{name} step {step}");
                        await Task.Yield(); // let the other one have a turn
                    }
                    log.Add($"{name} done");
                }

                await Task.WhenAll(CoroutineAsync("A"), CoroutineAsync("B"));
            });
            return 0;
        }, Patience, "Expected EventLoop.Run to return once both coroutines had finished.");

        // One thread, a first-in-first-out queue: the turns alternate, the same way every time.
        try
        {
            Snapshot.Match(new { Log = log });
        }
        catch (Xunit.Sdk.XunitException mismatch)
        {
            throw scenario.Fail(
                "Expected the two coroutines to take turns, A, B, A, B: each Task.Yield posts the rest of the coroutine " +
                "to the back of the loop's queue, behind the other one (the order is pinned in Ex05/__snapshots__).\n" +
                $"Observed: {Explain.List(log)}.\n" +
                "Look at: callbacks must run in the order they were posted: a queue (first in, first out), not a stack.\n\n" +
                mismatch.Message);
        }
    }
}
