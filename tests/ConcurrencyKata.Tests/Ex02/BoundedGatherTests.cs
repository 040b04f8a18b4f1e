namespace ConcurrencyKata.Tests.Ex02;

/// <summary>Exercise 02-bounded-gather: at most N in flight, and always N while keys remain.</summary>
public sealed class BoundedGatherTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(3);

    private static List<string> Keys(int count) => FakeFetcher.Keys(count);

    [Fact]
    public void Exactly_maxConcurrency_fetches_are_in_flight_never_more()
    {
        using var scenario = new Scenario();
        var keys = Keys(10);
        const int max = 3;
        var fetcher = new ControlledFetcher(scenario);

        var call = scenario.Start(() => BoundedGather.FetchAllAsync(fetcher, keys, max), () => fetcher.CallCount >= max, Patience, out var reached);
        scenario.Check(reached, () =>
            $"Expected {max} fetches in flight at once (maxConcurrency = {max}, {keys.Count} keys).\n" +
            $"Observed: only {fetcher.CallCount} had started after {Patience.TotalSeconds:0} s, and none is allowed to finish yet.\n" +
            "Look at: start up to maxConcurrency fetches before awaiting any of them.");

        // answer one at a time, oldest first; the peak must never pass the limit
        fetcher.AnswerOneAtATime(call, newestFirst: false, busy: max, total: keys.Count, Patience, settle: TimeSpan.FromMilliseconds(500));
        fetcher.AnswerAll(keys);
        var values = scenario.Wait(call, Patience, "Expected FetchAllAsync to finish once every fetch had answered.");

        scenario.Check(scenario.InFlight.Max == max, () =>
            $"Expected never more than {max} fetches in flight.\nObserved: a peak of {scenario.InFlight.Max}.\n" +
            "Look at: something must stop a new fetch from starting while the limit is reached (a SemaphoreSlim, or a fixed set of workers).");
        scenario.Check(values.SequenceEqual(keys.Select(FakeFetcher.ValueOf)), () =>
            $"Expected every key's value, in the order of the keys.\nObserved: {Explain.List(values)}.");
    }

    [Fact]
    public void When_one_fetch_finishes_the_next_starts_at_once_without_waiting_for_the_others()
    {
        using var scenario = new Scenario();
        var keys = Keys(6);
        const int max = 3;
        var fetcher = new ControlledFetcher(scenario);

        var call = scenario.Start(() => BoundedGather.FetchAllAsync(fetcher, keys, max), () => fetcher.CallCount >= max, Patience, out var reached);
        scenario.Check(reached, () => $"Expected {max} fetches in flight at once. Observed: {fetcher.CallCount}.");

        // k1 answers; k0 and k2 stay slow. A full window starts a 4th fetch now.
        var first = fetcher.Pending;
        fetcher.Answer(first[1]);
        var refilled = fetcher.WaitForCalls(max + 1, Patience);
        var slow = string.Join(" and ", first.Where((_, i) => i != 1));
        fetcher.AnswerAll(keys);

        scenario.Check(refilled, () =>
            $"Expected a new fetch to start as soon as {first[1]} finished, while {slow} were still in flight.\n" +
            $"Observed: no new fetch started within {Patience.TotalSeconds:0} s; the code waits for the slowest of a batch.\n" +
            "Look at: fixed batches (await Task.WhenAll on groups of N) leave slots idle. Start the next key when any slot frees up.");
        scenario.Wait(call, Patience, "Expected FetchAllAsync to finish once every fetch had answered.");
    }

    [Fact]
    public void A_fetch_that_never_answers_does_not_hold_back_the_keys_behind_it()
    {
        using var scenario = new Scenario();
        var keys = Keys(9);
        const int max = 3;
        var fetcher = new ControlledFetcher(scenario);

        var call = scenario.Start(() => BoundedGather.FetchAllAsync(fetcher, keys, max), () => fetcher.CallCount >= max, Patience, out _);
        // k0 stays stuck; every other fetch is answered as soon as it starts
        var deadline = DateTime.UtcNow + Patience;
        while (fetcher.CallCount < keys.Count && !call.IsCompleted && DateTime.UtcNow < deadline)
        {
            foreach (var key in fetcher.Pending.Where(k => k != "k0"))
            {
                fetcher.Answer(key);
            }
            SpinWait.SpinUntil(() => fetcher.Pending.Any(k => k != "k0") || fetcher.CallCount == keys.Count || call.IsCompleted, TimeSpan.FromMilliseconds(200));
        }
        scenario.ThrowIfEnded(call);
        var started = fetcher.Calls.Select(c => c.Key).ToList();
        fetcher.AnswerAll(keys);

        scenario.Check(started.Count == keys.Count, () =>
            $"Expected the other slots to fetch every remaining key while k0 never answers ({keys.Count} keys, limit {max}).\n" +
            $"Observed: only {Explain.List(started)} started; the keys {Explain.List(keys.Except(started))} waited behind k0.\n" +
            "Look at: splitting the keys into fixed slices, one per worker, ties each key to a worker in advance: a slow fetch holds back its whole slice. " +
            "Let every worker take the next key from one shared place (Interlocked.Increment on an index) when it is free.");
        scenario.Wait(call, Patience, "Expected FetchAllAsync to finish once every fetch had answered.");
    }

    [Fact]
    public void No_thread_is_held_while_the_fetches_in_flight_wait()
    {
        using var scenario = new Scenario();
        var keys = Keys(40);
        const int max = 8;
        var fetcher = new ControlledFetcher(scenario);
        var before = ThreadCensus.HeldThroughout(TimeSpan.FromMilliseconds(100));

        var call = scenario.Start(() => BoundedGather.FetchAllAsync(fetcher, keys, max), () => fetcher.CallCount >= max, Patience, out var reached);
        scenario.Check(reached, () => $"Expected {max} fetches in flight at once.\nObserved: {fetcher.CallCount} after {Patience.TotalSeconds:0} s.");
        scenario.CheckNoThreadHeld(before, $"while {max} fetches wait for their answers",
            "a worker that blocks on .Result (Parallel.ForEach with fetch(...).Result, Task.Run(() => ...Result)) holds a thread per slot. " +
            "Await the fetches: the slots are tasks, not threads.");
        // nothing ever answers: the scenario's kill switch cancels the fetches when the test ends
    }

    [Fact]
    public void Values_come_back_in_the_order_of_the_keys()
    {
        using var scenario = new Scenario();
        var keys = Keys(7);
        var fetcher = new ControlledFetcher(scenario);

        var call = Task.Run(() => BoundedGather.FetchAllAsync(fetcher, keys, 2));
        // always answer the newest fetch in flight first
        fetcher.AnswerOneAtATime(call, newestFirst: true, busy: 2, total: keys.Count, Patience, settle: TimeSpan.FromMilliseconds(200));
        fetcher.AnswerAll(keys);

        var values = scenario.Wait(call, Patience, "Expected FetchAllAsync to finish once every fetch had answered.");
        scenario.Check(values.SequenceEqual(keys.Select(FakeFetcher.ValueOf)), () =>
            $"Expected the values in the order of the keys: [{string.Join(", ", keys.Select(FakeFetcher.ValueOf))}].\n" +
            $"Observed: [{string.Join(", ", values)}].\n" +
            "The test answered the newest fetch first. Look at: store each value at its key's index.");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_limit_below_one_is_rejected(int max)
    {
        using var scenario = new Scenario();
        var fetcher = new ControlledFetcher(scenario);

        var error = scenario.Catch(() => BoundedGather.FetchAllAsync(fetcher, Keys(3), max), Patience,
            $"Expected maxConcurrency = {max} to be rejected at once.");

        scenario.Check(error is ArgumentOutOfRangeException, () =>
            $"Expected ArgumentOutOfRangeException for maxConcurrency = {max}.\nObserved: {Explain.Exception(error)}.\n" +
            "Look at: ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1).");
        scenario.Check(fetcher.CallCount == 0, () =>
            $"Expected nothing to be fetched with maxConcurrency = {max}.\nObserved: {fetcher.CallCount} fetch(es). Look at: check the arguments before starting anything.");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void After_a_failure_no_new_fetch_starts_and_the_failure_surfaces_as_itself(int max)
    {
        using var scenario = new Scenario();
        var keys = Keys(5);
        var fetcher = new ControlledFetcher(scenario);
        var failure = new InvalidOperationException("k0 is unavailable");

        var call = scenario.Start(() => BoundedGather.FetchAllAsync(fetcher, keys, max), () => fetcher.CallCount >= max, Patience, out _);
        var startedBefore = fetcher.CallCount;
        fetcher.Fail("k0", failure);
        fetcher.WaitUntilFinished("k0", Patience);
        // give the code a moment to notice the failure (it may cancel the others) before anything else answers
        SpinWait.SpinUntil(() => call.IsCompleted || fetcher.Calls.NotCancelled("k0").Count == 0, TimeSpan.FromSeconds(1));
        // let whatever was already in flight finish normally
        foreach (var key in keys.Skip(1))
        {
            fetcher.Answer(key);
        }

        var error = scenario.Catch(() => call, Patience, "Expected FetchAllAsync to end after a fetch failed.");

        scenario.Check(fetcher.CallCount == startedBefore, () =>
            $"Expected no new fetch after k0 failed (limit {max}; {startedBefore} had started before the failure).\n" +
            $"Observed: {fetcher.CallCount} fetches in all: [{string.Join(", ", fetcher.Calls.Select(c => c.Key))}].\n" +
            "Look at: stop taking keys once one has failed. With SemaphoreSlim.WaitAsync(token), a waiter can be " +
            "handed the slot in the same instant the token is cancelled: check again after acquiring it.");
        scenario.Check(ReferenceEquals(error, failure), () =>
            $"Expected the fetch's own exception: InvalidOperationException(\"k0 is unavailable\").\nObserved: {Explain.Exception(error)}.");
    }

    [Fact]
    public void Fetches_that_answer_at_the_same_instant_on_several_threads_lose_nothing()
    {
        using var scenario = new Scenario();
        var keys = Keys(2000);
        const int max = 8;

        var fault = SimultaneousRounds.FirstFault(_ =>
        {
            using var fetcher = new SimultaneousFetcher(scenario, keys, waveSize: max);
            var (values, error) = scenario.Attempt(() => BoundedGather.FetchAllAsync(fetcher, keys, max), Patience,
                $"Expected FetchAllAsync over {keys.Count} keys (limit {max}) to finish: every fetch answers at once or within milliseconds.");
            return SimultaneousRounds.Judge(values, error, fetcher);
        });

        scenario.Check(fault is null, () =>
            $"Expected every key fetched exactly once and every value at its key's index, when {max} fetches answer at the same instant " +
            $"on different threads (and most fetches answer at once, from a cache, so the workers run on without a pause).\n" +
            $"Observed: {fault}\n" +
            "Your continuations run on thread-pool threads, truly at the same time: a plain `next++`, a List.Add or a Dictionary " +
            "shared by the workers loses updates.\n" +
            "Look at: take the next index with Interlocked.Increment, store each value at its own index in an array, or guard shared state with a lock.");
    }

    [Fact]
    public void When_the_caller_cancels_every_fetch_in_flight_sees_it_and_no_new_fetch_starts()
    {
        using var scenario = new Scenario();
        using var caller = new CancellationTokenSource();
        var keys = Keys(10);
        const int max = 3;
        var fetcher = new ControlledFetcher(scenario);

        var call = scenario.Start(() => BoundedGather.FetchAllAsync(fetcher, keys, max, caller.Token), () => fetcher.CallCount >= max, Patience, out _);
        var startedBefore = fetcher.CallCount;
        caller.Cancel();

        var error = scenario.Catch(() => call, Patience,
            "Expected FetchAllAsync to end soon after the caller cancelled (the fetches in flight end when their token is cancelled).");
        var deaf = fetcher.Calls.NotCancelled();

        scenario.Check(deaf.Count == 0, () =>
            $"Expected every fetch in flight to see the caller's cancellation.\nObserved: {Explain.List(deaf)} kept a token that was never cancelled.\n" +
            "Look at: the token you pass to FetchAsync must be the caller's, or one linked to it (CancellationTokenSource.CreateLinkedTokenSource(cancellationToken)).");
        scenario.Check(fetcher.CallCount == startedBefore, () =>
            $"Expected no new fetch after the caller cancelled ({startedBefore} had started).\nObserved: {fetcher.CallCount} in all.\n" +
            "Look at: check the token before taking the next key.");
        scenario.Check(error is OperationCanceledException, () =>
            $"Expected an OperationCanceledException.\nObserved: {Explain.Exception(error)}.");
    }

    [Fact]
    public void A_token_cancelled_before_the_call_gives_OperationCanceledException_not_empty_values()
    {
        using var scenario = new Scenario();
        var fetcher = new ControlledFetcher(scenario);
        var keys = Keys(4);

        var (values, error) = scenario.Attempt(() => BoundedGather.FetchAllAsync(fetcher, keys, 2, new CancellationToken(canceled: true)), Patience,
            "Expected FetchAllAsync with a token that is already cancelled to end at once.");

        scenario.Check(error is OperationCanceledException, () =>
            "Expected an OperationCanceledException: the caller cancelled before anything was fetched.\n" +
            $"Observed: {(error is null ? $"the values {Explain.List(values!.Select(v => v ?? "null"))}" : Explain.Exception(error))}.\n" +
            "Look at: when your workers stop early because of cancellation, some values were never fetched: " +
            "throw (cancellationToken.ThrowIfCancellationRequested()) instead of returning the half-empty array.");
    }

    [Fact]
    public void When_the_caller_cancels_and_the_fetches_answer_anyway_the_call_still_ends_in_cancellation()
    {
        using var scenario = new Scenario();
        using var caller = new CancellationTokenSource();
        var keys = Keys(10);
        const int max = 2;
        var fetcher = new ControlledFetcher(scenario, honoursCancellation: false);

        var call = scenario.Start(() => BoundedGather.FetchAllAsync(fetcher, keys, max, caller.Token), () => fetcher.CallCount >= max, Patience, out _);
        caller.Cancel();
        // these fetches ignore their token: they answer normally, after the caller gave up
        foreach (var key in fetcher.Pending)
        {
            fetcher.Answer(key);
        }
        SpinWait.SpinUntil(() => call.IsCompleted, TimeSpan.FromMilliseconds(300));
        fetcher.AnswerAll(keys);

        var (values, error) = scenario.Attempt(() => call, Patience, "Expected FetchAllAsync to end after the caller cancelled.");
        scenario.Check(error is OperationCanceledException || (values is not null && values.SequenceEqual(keys.Select(FakeFetcher.ValueOf))), () =>
            "Expected an OperationCanceledException (or, had every key been fetched, all the values): the caller cancelled after " +
            $"{max} of {keys.Count} fetches had started, and those fetches answered anyway.\n" +
            $"Observed: {(error is null ? $"the values {Explain.List(values!.Select(v => v ?? "null"))}" : Explain.Exception(error))}.\n" +
            "Look at: a service may ignore its token. After the workers stop, ask whether they stopped because of cancellation, and throw if so.");
    }

    [Fact]
    public void Null_arguments_are_rejected_with_ArgumentNullException()
    {
        using var scenario = new Scenario();
        var fetcher = new ControlledFetcher(scenario);

        scenario.CheckNullArgumentsRejected("FetchAllAsync",
            ("fetcher", () => BoundedGather.FetchAllAsync(null!, Keys(2), 2)),
            ("keys", () => BoundedGather.FetchAllAsync(fetcher, null!, 2)));
    }
}
