using System.Collections.Concurrent;
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

        value.Should().Be(42);
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
        var afterwards = new List<bool>();

        scenario.CallOnOwnThread(() =>
        {
            SynchronizationContext.SetSynchronizationContext(marker);
            for (var round = 0; round < 2; round++)
            {
                EventLoop.Run(async () =>
                {
                    insideWasOwn.Add(SynchronizationContext.Current is not null && SynchronizationContext.Current != marker);
                    await Task.Yield();
                });
                afterwards.Add(SynchronizationContext.Current == marker);
            }
            return 0;
        }, Patience, "Expected EventLoop.Run to return twice in a row.");

        scenario.Check(insideWasOwn.SequenceEqual([true, true]), () =>
            "Expected main to run with the loop's own SynchronizationContext as SynchronizationContext.Current.\n" +
            $"Observed: own context inside main: {Explain.List(insideWasOwn)}.");
        scenario.Check(afterwards.SequenceEqual([true, true]), () =>
            "Expected the caller's SynchronizationContext to be back after each Run.\n" +
            $"Observed: restored after run 1 and 2: {Explain.List(afterwards)}.\n" +
            "Look at: remember SynchronizationContext.Current before installing yours, and put it back in a finally block.");
    }

    [Fact]
    public void An_idle_loop_costs_no_cpu()
    {
        using var scenario = new Scenario();
        var wait = TimeSpan.FromMilliseconds(600);
        var limit = TimeSpan.FromMilliseconds(200);
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
