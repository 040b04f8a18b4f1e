using System.Diagnostics;

namespace ConcurrencyKata.Tests.Ex03;

/// <summary>Exercise 03-first-response: race the mirrors, keep the first good answer, cancel the rest.</summary>
public sealed class FirstResponseTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    private static List<string> Mirrors(int count) => Enumerable.Range(0, count).Select(i => $"m{i}").ToList();

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
        scenario.Wait(call, Patience, "Expected the answer of m2.").Should().Be(FakeFetcher.ValueOf("m2"));
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
        value.Should().Be(FakeFetcher.ValueOf("m1"));

        SpinWait.SpinUntil(() => fetcher.Calls.Where(c => c.Key != "m1").All(c => c.SawCancellation), TimeSpan.FromSeconds(1));
        var notCancelled = fetcher.Calls.Where(c => c.Key != "m1" && !c.SawCancellation).Select(c => c.Key).ToList();
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
        SpinWait.SpinUntil(() => fetcher.Calls.All(c => c.SawCancellation), TimeSpan.FromSeconds(1));
        var deaf = fetcher.Calls.Where(c => !c.SawCancellation).Select(c => c.Key).ToList();
        scenario.Check(fetcher.CallCount > 0 && deaf.Count == 0, () =>
            $"Expected every fetch to see its token cancelled after {why}.\n" +
            $"Observed: {(fetcher.CallCount == 0 ? "no fetch was made" : string.Join(", ", deaf) + " still had an uncancelled token")}.\n" +
            "Look at: pass every fetch a token you cancel whenever you stop waiting, whatever the reason.");
    }

}
