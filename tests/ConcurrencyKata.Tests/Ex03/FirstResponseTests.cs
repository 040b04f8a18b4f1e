using System.Diagnostics;

namespace ConcurrencyKata.Tests.Ex03;

/// <summary>Exercise 03-first-response: race the mirrors, keep the first good answer, cancel the rest.</summary>
public sealed class FirstResponseTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    private static List<string> Mirrors(int count) => FakeFetcher.Keys(count, prefix: "m");

    [Fact]
    public void Every_mirror_is_asked_at_once()
    {
        using var scenario = new Scenario();
        var mirrors = Mirrors(4);
        var fetcher = new ControlledFetcher(scenario);

        var call = AskAll(scenario, fetcher, mirrors, out var all);
        fetcher.Answer("m2");

        scenario.Check(all, () =>
            $"Expected all {mirrors.Count} mirrors to be asked before any has answered.\n" +
            $"Observed: {fetcher.CallCount} asked after {Patience.TotalSeconds:0} s.\n" +
            "Look at: start every fetch first, then wait for the first to succeed.");
        var value = scenario.Wait(call, Patience, "Expected the answer of m2.");
        scenario.Check(value == FakeFetcher.ValueOf("m2"), () => $"Expected the answer of m2, the only mirror that answered.\nObserved: \"{value}\".");
    }

    [Fact]
    public void The_first_answer_wins_at_once_and_every_other_fetch_is_cancelled()
    {
        using var scenario = new Scenario();
        var mirrors = Mirrors(3);
        var fetcher = new ControlledFetcher(scenario);

        var call = AskAll(scenario, fetcher, mirrors, out _);
        fetcher.Answer("m1");

        var value = scenario.Wait(call, Patience,
            "Expected FetchFirstAsync to return as soon as m1 answered, while m0 and m2 never answer.\n" +
            "Look at: Task.WhenAll waits for every mirror; Task.WhenAny returns with the first to finish.");
        scenario.Check(value == FakeFetcher.ValueOf("m1"), () => $"Expected the answer of m1, the first to answer.\nObserved: \"{value}\".");

        FetchCalls.WaitUntilAllCancelled(() => fetcher.Calls, TimeSpan.FromSeconds(1), "m1");
        var notCancelled = fetcher.Calls.NotCancelled("m1");
        scenario.Check(notCancelled.Count == 0, () =>
            "Expected every other fetch to see its token cancelled once m1 had answered.\n" +
            $"Observed: {string.Join(", ", notCancelled)} still running with an uncancelled token.\n" +
            "Look at: give the fetches a token from a CancellationTokenSource linked to the caller's, and cancel it when you have a winner.");
    }

    [Fact]
    public void Failures_are_ignored_while_another_mirror_may_still_answer()
    {
        using var scenario = new Scenario();
        var mirrors = Mirrors(3);
        var fetcher = new ControlledFetcher(scenario);

        var call = AskAll(scenario, fetcher, mirrors, out _);
        fetcher.Fail("m0", new HttpRequestException("m0 is down"));
        fetcher.WaitUntilFinished("m0", Patience);
        fetcher.Fail("m1", new HttpRequestException("m1 is down"));
        fetcher.WaitUntilFinished("m1", Patience);
        SpinWait.SpinUntil(() => call.IsCompleted, TimeSpan.FromMilliseconds(100));
        var endedEarly = call.IsCompleted;
        fetcher.Answer("m2");

        var error = scenario.Catch(() => call, Patience, "Expected the answer of m2.");
        scenario.Check(!endedEarly && error is null && call.Result == FakeFetcher.ValueOf("m2"), () =>
            "Expected the answer of m2: m0 and m1 failed first, but m2 could still answer.\n" +
            $"Observed: {(error is null ? $"\"{call.Result}\"" : $"{error.GetType().Name}(\"{error.Message}\")")}{(endedEarly ? ", before m2 had answered" : "")}.\n" +
            "Look at: the first task to *finish* is not the first to *succeed*. Keep waiting while a mirror is still pending.");
    }

    [Fact]
    public void When_every_mirror_fails_the_caller_gets_every_failure()
    {
        using var scenario = new Scenario();
        var mirrors = Mirrors(3);
        var fetcher = new ControlledFetcher(scenario);
        var failures = mirrors.ToDictionary(m => m, m => new HttpRequestException($"{m} is down"));

        var call = AskAll(scenario, fetcher, mirrors, out _);
        foreach (var mirror in mirrors)
        {
            fetcher.Fail(mirror, failures[mirror]);
        }

        var error = scenario.Catch(() => call, Patience, "Expected FetchFirstAsync to fail once every mirror had failed.");
        var inner = (error as AggregateException)?.InnerExceptions ?? [];
        scenario.Check(inner.Count == 3 && failures.Values.All(f => inner.Contains(f)), () =>
            "Expected an AggregateException holding the 3 failures (m0, m1 and m2 are down).\n" +
            $"Observed: {Explain.Exception(error)}.\n" +
            "Look at: collect each failure as it arrives; when none is left pending, throw new AggregateException(failures).");
    }

    [Fact]
    public void A_timeout_gives_TimeoutException_and_cancels_every_fetch()
    {
        using var scenario = new Scenario();
        var mirrors = Mirrors(3);
        var fetcher = new ControlledFetcher(scenario);
        var timeout = TimeSpan.FromMilliseconds(300);

        var clock = Stopwatch.StartNew();
        var error = scenario.Catch(() => FirstResponse.FetchFirstAsync(fetcher, mirrors, timeout), Patience,
            $"Expected FetchFirstAsync to give up after its {timeout.TotalMilliseconds:0} ms timeout; no mirror ever answers.");
        clock.Stop();

        scenario.Check(error is TimeoutException, () =>
            $"Expected a TimeoutException when no mirror answers within {timeout.TotalMilliseconds:0} ms.\nObserved: {Explain.Exception(error)}.\n" +
            "Look at: a timeout is not the caller cancelling: tell them apart and throw TimeoutException for the timeout.");
        scenario.Check(clock.Elapsed >= timeout - TimeSpan.FromMilliseconds(50), () =>
            $"Expected to wait for the whole timeout of {timeout.TotalMilliseconds:0} ms.\nObserved: gave up after {clock.Elapsed.TotalMilliseconds:0} ms.");
        AllCancelled(scenario, fetcher, "the timeout");
    }

    [SkippableFact]
    public void The_timeout_counts_from_the_call_not_from_the_last_failure()
    {
        var timeout = TimeSpan.FromMilliseconds(400);
        var slack = TimeSpan.FromMilliseconds(50);
        // three mirrors fail one after another well inside the timeout; the fourth never answers. A
        // deadline started again after each failure ends the call no sooner than the last failure
        // plus the whole timeout; one deadline for the call ends it at the timeout. An attempt whose
        // failures the test could not make in time (a busy machine) cannot tell them apart: try again.
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            using var scenario = new Scenario();
            var mirrors = Mirrors(4);
            var fetcher = new ControlledFetcher(scenario);
            var clock = Stopwatch.StartNew();
            long endedTicks = 0;
            var call = scenario.Start(() => FirstResponse.FetchFirstAsync(fetcher, mirrors, timeout), () => fetcher.CallCount >= mirrors.Count, Patience, out _);
            _ = call.ContinueWith(_ => Interlocked.Exchange(ref endedTicks, clock.Elapsed.Ticks), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            var lastFailure = TimeSpan.Zero;
            foreach (var (mirror, at) in new[] { ("m0", 100), ("m1", 200), ("m2", 300) })
            {
                SpinWait.SpinUntil(() => clock.Elapsed >= TimeSpan.FromMilliseconds(at) || call.IsCompleted);
                if (call.IsCompleted)
                {
                    break;
                }
                lastFailure = clock.Elapsed; // taken before the failure: the failure itself comes no earlier
                fetcher.Fail(mirror, new IOException($"{mirror} is down"));
            }
            var error = scenario.Catch(() => call, Patience, $"Expected FetchFirstAsync to give up after its {timeout.TotalMilliseconds:0} ms timeout; three mirrors fail and the fourth never answers.");
            SpinWait.SpinUntil(() => Interlocked.Read(ref endedTicks) != 0, TimeSpan.FromSeconds(1));
            var ended = TimeSpan.FromTicks(Interlocked.Read(ref endedTicks));
            if (lastFailure < TimeSpan.FromMilliseconds(250) && ended < lastFailure + timeout - slack && attempt < 3)
            {
                continue; // too few failures made in time to tell one deadline from a deadline per failure
            }
            scenario.Check(error is TimeoutException, () =>
                $"Expected a TimeoutException: three mirrors failed and the fourth never answered within {timeout.TotalMilliseconds:0} ms.\nObserved: {Explain.Exception(error)}.");
            Skip.If(lastFailure < TimeSpan.FromMilliseconds(250) && ended < lastFailure + timeout - slack,
                $"the test could not fail the mirrors in time in 3 attempts (last failure at {lastFailure.TotalMilliseconds:0} ms): a busy machine, nothing to blame");
            scenario.Check(ended < lastFailure + timeout - slack, () =>
                $"Expected the call to end at its timeout, {timeout.TotalMilliseconds:0} ms after it started, whatever failed in the meantime.\n" +
                $"Observed: it ended {ended.TotalMilliseconds:0} ms after it started. The last failure came at {lastFailure.TotalMilliseconds:0} ms, " +
                $"and {lastFailure.TotalMilliseconds:0} + {timeout.TotalMilliseconds:0} ms is the soonest a timeout started again after each failure can end it.\n" +
                "Look at: the timeout belongs to the whole call: start one deadline (Task.Delay, CancelAfter) before the loop, not one per round of Task.WhenAny or WaitAsync.");
            return;
        }
    }

    [Fact]
    public void When_the_caller_cancels_every_fetch_is_cancelled_too()
    {
        using var scenario = new Scenario();
        using var caller = new CancellationTokenSource();
        var mirrors = Mirrors(3);
        var fetcher = new ControlledFetcher(scenario);

        var call = AskAll(scenario, fetcher, mirrors, out _, caller.Token);
        caller.Cancel();

        var error = scenario.Catch(() => call, Patience, "Expected FetchFirstAsync to end soon after the caller cancelled.");
        scenario.Check(error is OperationCanceledException, () =>
            $"Expected an OperationCanceledException when the caller cancels.\nObserved: {Explain.Exception(error)}.");
        AllCancelled(scenario, fetcher, "the caller cancelled");
    }

    /// <summary>Calls FetchFirstAsync (30 s timeout) and waits until every mirror has been asked.</summary>
    private static Task<string> AskAll(Scenario scenario, ControlledFetcher fetcher, List<string> mirrors, out bool allAsked, CancellationToken token = default)
        => scenario.Start(() => FirstResponse.FetchFirstAsync(fetcher, mirrors, Long, token), () => fetcher.CallCount >= mirrors.Count, Patience, out allAsked);

    private static void AllCancelled(Scenario scenario, ControlledFetcher fetcher, string why)
    {
        FetchCalls.WaitUntilAllCancelled(() => fetcher.Calls, TimeSpan.FromSeconds(1));
        var deaf = fetcher.Calls.NotCancelled();
        scenario.Check(fetcher.CallCount > 0 && deaf.Count == 0, () =>
            $"Expected every fetch to see its token cancelled after {why}.\n" +
            $"Observed: {(fetcher.CallCount == 0 ? "no fetch was made" : string.Join(", ", deaf) + " still had an uncancelled token")}.\n" +
            "Look at: pass every fetch a token you cancel whenever you stop waiting, whatever the reason.");
    }

    [Fact]
    public void Null_arguments_are_rejected_with_ArgumentNullException()
    {
        using var scenario = new Scenario();
        var fetcher = new ControlledFetcher(scenario);

        scenario.CheckNullArgumentsRejected("FetchFirstAsync",
            ("fetcher", () => FirstResponse.FetchFirstAsync(null!, Mirrors(2), Long)),
            ("mirrors", () => FirstResponse.FetchFirstAsync(fetcher, null!, Long)));
    }

    [Fact]
    public void An_empty_list_of_mirrors_is_rejected_with_ArgumentException()
    {
        using var scenario = new Scenario();
        var fetcher = new ControlledFetcher(scenario);

        var error = scenario.Catch(() => FirstResponse.FetchFirstAsync(fetcher, [], TimeSpan.FromSeconds(1)), Patience,
            "Expected FetchFirstAsync with no mirrors to end at once.");

        scenario.Check(error is ArgumentException, () =>
            "Expected an ArgumentException (ArgumentOutOfRangeException is one) for an empty list of mirrors: with no mirror there is nothing to race, so it is the caller's mistake.\n" +
            $"Observed: {Explain.Exception(error)}.\n" +
            "Look at: check mirrors.Count before starting anything; waiting for the timeout or reporting \"every mirror failed\" hides the mistake.");
        scenario.Check(fetcher.CallCount == 0, () => $"Expected no fetch for no mirrors.\nObserved: {fetcher.CallCount}.");
    }

    [Fact]
    public void Mirrors_that_answer_at_the_same_instant_give_one_of_their_answers()
    {
        using var scenario = new Scenario();
        var mirrors = Mirrors(8);

        var fault = SimultaneousRounds.FirstFault(_ =>
        {
            using var fetcher = new SimultaneousFetcher(scenario, mirrors, waveSize: mirrors.Count, cachedBetweenWaits: 0);
            var (value, error) = scenario.Attempt(() => FirstResponse.FetchFirstAsync(fetcher, mirrors, Long), Patience,
                $"Expected FetchFirstAsync to return as soon as the {mirrors.Count} mirrors answered, all at the same instant.");
            return error is not null ? $"the call failed with {Explain.Exception(error)}."
                : !mirrors.Select(FakeFetcher.ValueOf).Contains(value) ? $"it returned \"{value}\", which no mirror answered."
                : fetcher.CallCount != mirrors.Count ? $"{fetcher.CallCount} fetches for {mirrors.Count} mirrors."
                : null;
        });

        scenario.Check(fault is null, () =>
            $"Expected one of the answers when all {mirrors.Count} mirrors answer at the same instant, from four threads.\n" +
            $"Observed: {fault}\n" +
            "Look at: several continuations may try to declare the winner at once. Task.WhenAny, or TaskCompletionSource.TrySetResult " +
            "(not SetResult, which throws for the second caller), decide it atomically.");
    }

    [Fact]
    public void Mirrors_that_fail_at_the_same_instant_give_every_failure()
    {
        using var scenario = new Scenario();
        var mirrors = Mirrors(1000);

        var fault = SimultaneousRounds.FirstFault(_ =>
        {
            var failures = mirrors.ToDictionary(m => m, m => new HttpRequestException($"{m} is down"));
            using var fetcher = new SimultaneousFetcher(scenario, mirrors, waveSize: mirrors.Count, cachedBetweenWaits: 0, failureFor: m => failures[m]);
            var error = scenario.Catch(() => FirstResponse.FetchFirstAsync(fetcher, mirrors, Long), Patience,
                $"Expected FetchFirstAsync to fail as soon as all {mirrors.Count} mirrors had failed, all at the same instant.\n" +
                "Look at: a count of failures kept with `left--` on several threads at once loses decrements, so it never reaches zero: use Interlocked.Decrement.");
            var inner = (error as AggregateException)?.InnerExceptions ?? [];
            return inner.Count == mirrors.Count && failures.Values.All(inner.Contains)
                ? null
                : $"{Explain.Exception(error)}.";
        }, rounds: 40); // the race sits in continuations the pool schedules, a few instructions long: rarely caught in a single round on a busy machine

        scenario.Check(fault is null, () =>
            $"Expected an AggregateException holding all {mirrors.Count} failures when every mirror fails at the same instant, from four threads.\n" +
            $"Observed: {fault}\n" +
            "Look at: failures collected into a List, or counted with `left--`, from continuations running at the same time lose updates. " +
            "Use a ConcurrentQueue or a lock, and Interlocked.Decrement; or a Task.WhenAny loop, where one flow sees each result in turn.");
    }

    [Fact]
    public void Mirrors_that_answer_from_a_cache_at_once_give_the_first_answer()
    {
        using var scenario = new Scenario();
        var mirrors = Mirrors(3);
        var fetcher = new CachedFetcher(scenario);

        var (value, error) = scenario.Attempt(() => FirstResponse.FetchFirstAsync(fetcher, mirrors, Long), Patience,
            "Expected FetchFirstAsync to return at once: every mirror answers from a cache, before the call even looks.");

        scenario.Check(error is null && mirrors.Select(FakeFetcher.ValueOf).Contains(value), () =>
            "Expected one of the mirrors' answers: each fetch returns a task that is already complete.\n" +
            $"Observed: {(error is null ? $"\"{value}\"" : Explain.Exception(error))}.\n" +
            "Look at: code that waits for a completion to be signalled later (a callback registered after the task finished, a " +
            "TaskCompletionSource set only from ContinueWith on a cancelled token) must also handle tasks that are complete already.");
    }
}
