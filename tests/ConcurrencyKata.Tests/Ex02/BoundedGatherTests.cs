namespace ConcurrencyKata.Tests.Ex02;

/// <summary>Exercise 02-bounded-gather: at most N in flight, and always N while keys remain.</summary>
public sealed class BoundedGatherTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(3);

    private static List<string> Keys(int count) => Enumerable.Range(0, count).Select(i => $"k{i}").ToList();

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
        while (!call.IsCompleted && fetcher.Pending.Count > 0)
        {
            var oldest = fetcher.Pending[0];
            fetcher.Answer(oldest);
            fetcher.WaitUntilFinished(oldest, Patience);
            SpinWait.SpinUntil(() => fetcher.CallCount == keys.Count || fetcher.Pending.Count >= max || call.IsCompleted, TimeSpan.FromMilliseconds(500));
        }
        var values = scenario.Wait(call, Patience, "Expected FetchAllAsync to finish once every fetch had answered.");

        scenario.Check(scenario.InFlight.Max == max, () =>
            $"Expected never more than {max} fetches in flight.\nObserved: a peak of {scenario.InFlight.Max}.\n" +
            "Look at: something must stop a new fetch from starting while the limit is reached (a SemaphoreSlim, or a fixed set of workers).");
        values.Should().Equal(keys.Select(FakeFetcher.ValueOf));
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
    public void Values_come_back_in_the_order_of_the_keys()
    {
        using var scenario = new Scenario();
        var keys = Keys(7);
        var fetcher = new ControlledFetcher(scenario);

        var call = Task.Run(() => BoundedGather.FetchAllAsync(fetcher, keys, 2));
        // always answer the newest fetch in flight first
        var deadline = DateTime.UtcNow + Patience;
        while (!call.IsCompleted && DateTime.UtcNow < deadline)
        {
            SpinWait.SpinUntil(() => fetcher.Pending.Count >= 2 || fetcher.CallCount == keys.Count || call.IsCompleted, TimeSpan.FromMilliseconds(200));
            if (fetcher.Pending is { Count: > 0 } pending)
            {
                fetcher.Answer(pending[^1]);
                fetcher.WaitUntilFinished(pending[^1], Patience);
            }
        }
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
        fetcher.CallCount.Should().Be(0, "nothing should be fetched with an invalid limit");
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
        SpinWait.SpinUntil(() => call.IsCompleted || fetcher.Calls.Where(c => c.Key != "k0").All(c => c.SawCancellation), TimeSpan.FromSeconds(1));
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

}
