using System.Diagnostics;

namespace ConcurrencyKata.Tests.Ex01;

/// <summary>Exercise 01-async-gather: start every fetch, then wait for all of them.</summary>
public sealed class AsyncGatherTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(3);

    private static List<string> Keys(int count) => FakeFetcher.Keys(count);

    [Fact]
    public void Every_fetch_is_started_before_any_is_awaited()
    {
        using var scenario = new Scenario();
        var keys = Keys(8);
        var gate = new StartGate(keys.Count);
        var fetcher = new FakeFetcher(scenario, FakeFetcher.AtGate(gate));

        var call = Task.Run(() => AsyncGather.FetchAllAsync(fetcher, keys));
        scenario.WaitForArrivals(gate, call, Patience, (arrived, waited) =>
            $"Expected all {keys.Count} fetches to be in progress at the same time: each one waits at a gate " +
            "that the test opens only once all of them have started.\n" +
            $"Observed: {arrived} of {keys.Count} had started after {waited.TotalSeconds:0.0} s. " +
            "Code that awaits each fetch before starting the next one gets exactly 1.\n" +
            "Look at: call FetchAsync for every key first and keep the tasks; await them together afterwards.");
        gate.Open();

        var values = scenario.Wait(call, Patience, "Expected FetchAllAsync to finish once the gate opened.");
        scenario.Check(values.SequenceEqual(keys.Select(FakeFetcher.ValueOf)), () =>
            $"Expected every key's value, in the order of the keys, once the gate opened.\nObserved: {Explain.List(values)}.");
    }

    [Fact]
    public void Values_come_back_in_the_order_of_the_keys_not_the_order_they_arrive_in()
    {
        using var scenario = new Scenario();
        var keys = Keys(6);
        var answers = keys.ToDictionary(k => k, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var fetcher = new FakeFetcher(scenario, async (key, ct) =>
        {
            await answers[key].Task.WaitAsync(ct).ConfigureAwait(false);
            return FakeFetcher.ValueOf(key);
        });

        var call = scenario.Start(() => AsyncGather.FetchAllAsync(fetcher, keys), () => fetcher.CallCount == keys.Count, Patience, out _);

        // answer the last key first, the first key last
        foreach (var key in Enumerable.Reverse(keys))
        {
            var wasCalled = fetcher.Calls.Any(c => c.Key == key);
            answers[key].SetResult();
            if (wasCalled)
            {
                SpinWait.SpinUntil(() => scenario.Spans.Snapshot().Any(s => s.Name == $"fetch {key}" && !s.IsOpen), Patience);
            }
        }

        var values = scenario.Wait(call, Patience, "Expected FetchAllAsync to finish once every fetch had answered.");
        scenario.Check(values.SequenceEqual(keys.Select(FakeFetcher.ValueOf)), () =>
            $"Expected the values in the order of the keys: [{string.Join(", ", keys.Select(FakeFetcher.ValueOf))}].\n" +
            $"Observed: [{string.Join(", ", values)}].\n" +
            "The answers arrived last key first. Look at: collecting results as they complete loses the order; " +
            "Task.WhenAll returns them in the order of the tasks you gave it.");
    }

    [Fact]
    public void A_failed_fetch_surfaces_as_its_own_exception()
    {
        using var scenario = new Scenario();
        var keys = Keys(5);
        var failure = new InvalidOperationException("k2 is unavailable");
        var fetcher = new FakeFetcher(scenario, async (key, ct) =>
        {
            await Task.Delay(20, ct).ConfigureAwait(false);
            return key == "k2" ? throw failure : FakeFetcher.ValueOf(key);
        });

        var error = scenario.Catch(() => AsyncGather.FetchAllAsync(fetcher, keys), Patience,
            "Expected FetchAllAsync to fail once fetch k2 had failed.");

        scenario.Check(ReferenceEquals(error, failure), () =>
            $"Expected the fetch's own exception: {failure.GetType().Name}(\"{failure.Message}\").\n" +
            $"Observed: {Explain.Exception(error)}.\n" +
            (error is AggregateException
                ? "An AggregateException wraps it: that is what .Result and .Wait() throw. `await` unwraps it."
                : "Look at: let the exception from the awaited task propagate; do not catch it or wrap it."));
    }

    [Fact]
    public void The_callers_token_reaches_every_fetch()
    {
        using var scenario = new Scenario();
        using var caller = new CancellationTokenSource();
        var keys = Keys(5);
        var fetcher = new FakeFetcher(scenario, async (key, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
            return FakeFetcher.ValueOf(key);
        });

        var call = scenario.Start(() => AsyncGather.FetchAllAsync(fetcher, keys, caller.Token), () => fetcher.CallCount == keys.Count, Patience, out _);
        scenario.Check(fetcher.CallCount > 0, () => "Expected FetchAllAsync to call FetchAsync. Observed: no call at all.");

        caller.Cancel();
        var error = scenario.Catch(() => call, Patience,
            "Expected FetchAllAsync to end soon after the caller cancelled its token.");

        var deaf = fetcher.Calls.NotCancelled();
        scenario.Check(deaf.Count == 0, () =>
            "Expected every fetch to see the caller's cancellation.\n" +
            $"Observed: {string.Join(", ", deaf)} received a token that stayed uncancelled.\n" +
            "Look at: pass the cancellationToken parameter on to every FetchAsync call.");
        scenario.Check(error is OperationCanceledException, () =>
            $"Expected an OperationCanceledException once the caller cancelled. Observed: {Explain.Exception(error)}.");
    }

    [Fact]
    public void FetchAllAsync_returns_a_pending_task_instead_of_blocking_its_caller()
    {
        using var scenario = new Scenario();
        var keys = Keys(3);
        var gate = new StartGate(keys.Count);
        var fetcher = new FakeFetcher(scenario, FakeFetcher.AtGate(gate));

        var task = scenario.CallOnOwnThread(() => AsyncGather.FetchAllAsync(fetcher, keys), TimeSpan.FromSeconds(2),
            "Expected FetchAllAsync to return a Task straight away while the fetches are still pending.\n" +
            "Look at: a blocking wait (.Result, .Wait(), Task.WaitAll) holds the caller's thread hostage; " +
            "return the task and let the caller await it.");
        var completedEarly = task.IsCompleted;
        gate.Open();

        scenario.Check(!completedEarly || task.IsFaulted, () =>
            "Expected the returned task to be still pending while every fetch waits at a closed gate.\n" +
            "Observed: it was already complete, so the call must have waited for the fetches before returning.");
        scenario.Wait(task, Patience, "Expected FetchAllAsync to finish once the fetches answered.");
    }

    [Fact]
    public void A_thousand_fetches_of_100_ms_finish_well_under_a_second()
    {
        var delay = TimeSpan.FromMilliseconds(100);
        var limit = TimeSpan.FromSeconds(1);
        var expectation =
            $"Expected 1000 fetches of {delay.TotalMilliseconds:0} ms each to finish in under {limit.TotalSeconds:0} s: " +
            "waiting for I/O needs no thread, so all 1000 can wait at once.\n" +
            "If they run one after another they take 100 s; if each is given a thread that blocks on .Result, " +
            "the thread pool runs out of threads and grows only slowly.";

        // warm-up: the first call pays for JIT compilation
        using (var warm = new Scenario())
        {
            var warmFetcher = new FakeFetcher(warm, FakeFetcher.After(TimeSpan.FromMilliseconds(1)));
            warm.Run(() => AsyncGather.FetchAllAsync(warmFetcher, Keys(20)), Patience,
                "Expected a warm-up of 20 fetches of 1 ms each to finish at once, before the real run of 1000.\n" +
                "If these do not finish, look for a thread blocked on .Result or a fetch that waits for the one before it.");
        }

        using var scenario = new Scenario();
        var keys = Keys(1000);
        var fetcher1000 = new FakeFetcher(scenario, FakeFetcher.After(delay));

        var clock = Stopwatch.StartNew();
        var values = scenario.Run(() => AsyncGather.FetchAllAsync(fetcher1000, keys), TimeSpan.FromSeconds(4), expectation);
        clock.Stop();

        scenario.Check(clock.Elapsed < limit, () =>
            $"Expected 1000 fetches of 100 ms each to finish in under {limit.TotalMilliseconds:0} ms.\n" +
            $"Observed: {clock.Elapsed.TotalMilliseconds:0} ms, peak {scenario.InFlight.Max} in flight.\n" +
            "Look at: do not give each fetch a thread (Task.Run with .Result) and do not wait for one before starting the next.");
        scenario.Check(values.SequenceEqual(keys.Select(FakeFetcher.ValueOf)), () =>
            $"Expected the {keys.Count} values in the order of the keys.\nObserved: {values.Count} values, {values.Where((v, i) => v != FakeFetcher.ValueOf(keys[i])).Count()} of them missing or out of place.");
    }

    [Fact]
    public void No_keys_gives_an_empty_list_without_calling_the_fetcher()
    {
        using var scenario = new Scenario();
        var fetcher = new FakeFetcher(scenario, FakeFetcher.After(TimeSpan.Zero));

        var values = scenario.Run(() => AsyncGather.FetchAllAsync(fetcher, []), Patience,
            "Expected FetchAllAsync with no keys to finish at once.");

        scenario.Check(values.Count == 0 && fetcher.CallCount == 0, () =>
            $"Expected an empty list and no call to the fetcher: there is nothing to fetch.\nObserved: {values.Count} value(s), {fetcher.CallCount} call(s).");
    }

    [Fact]
    public void No_thread_is_held_while_the_fetches_wait()
    {
        using var scenario = new Scenario();
        var keys = Keys(16);
        var fetcher = new ControlledFetcher(scenario);
        var before = ThreadCensus.HeldThroughout(TimeSpan.FromMilliseconds(100));

        var call = scenario.Start(() => AsyncGather.FetchAllAsync(fetcher, keys), () => fetcher.CallCount == keys.Count, Patience, out var reached);
        scenario.Check(reached, () =>
            $"Expected all {keys.Count} fetches to start while none has answered.\nObserved: {fetcher.CallCount} started after {Patience.TotalSeconds:0} s.\n" +
            "Look at: start every fetch before awaiting any; a thread blocked on .Result per fetch starts them only as fast as threads come.");
        scenario.CheckNoThreadHeld(before, $"while {keys.Count} fetches wait for their answers",
            "a thread per fetch that blocks on .Result or .Wait() (Task.Run(() => fetch.Result)), or one blocked in Task.WaitAll. " +
            "A thread costs a megabyte of stack and the pool adds them slowly; await the tasks instead.");
        fetcher.AnswerAll(keys);
        scenario.Wait(call, Patience, "Expected FetchAllAsync to finish once every fetch had answered.");
    }

    [Fact]
    public void Fetches_that_answer_at_the_same_instant_on_several_threads_lose_nothing()
    {
        using var scenario = new Scenario();
        var keys = Keys(2000);

        var fault = SimultaneousRounds.FirstFault(_ =>
        {
            using var fetcher = new SimultaneousFetcher(scenario, keys, waveSize: keys.Count, cachedBetweenWaits: 0);
            var (values, error) = scenario.Attempt(() => AsyncGather.FetchAllAsync(fetcher, keys), Patience,
                $"Expected FetchAllAsync over {keys.Count} keys to finish: every fetch answers at once or within milliseconds.");
            return SimultaneousRounds.Judge(values, error, fetcher);
        });

        scenario.Check(fault is null, () =>
            $"Expected every key fetched exactly once and every value at its key's index, when all {keys.Count} fetches answer " +
            "at the same instant, from four threads started together.\n" +
            $"Observed: {fault}\n" +
            "The code after an await runs on whichever thread completed the task, here several at the same time: a List.Add or a " +
            "Dictionary shared by those continuations loses updates (or throws).\n" +
            "Look at: let Task.WhenAll collect the values, or store each at its own index in an array.");
    }

    [Fact]
    public void Null_arguments_are_rejected_with_ArgumentNullException()
    {
        using var scenario = new Scenario();
        var fetcher = new ControlledFetcher(scenario);

        scenario.CheckNullArgumentsRejected("FetchAllAsync",
            ("fetcher", () => AsyncGather.FetchAllAsync(null!, Keys(2))),
            ("keys", () => AsyncGather.FetchAllAsync(fetcher, null!)));
    }
}
