using System.Collections.Concurrent;

namespace ConcurrencyKata.Tests.Probes;

/// <summary>What one call to a fake fetcher saw.</summary>
public sealed record FetchCall(string Key, CancellationToken Token, int ThreadId)
{
    public bool SawCancellation => Token.IsCancellationRequested;
}

/// <summary>Questions every check asks of the calls a fake saw.</summary>
public static class FetchCalls
{
    /// <summary>Keys whose call never saw its token cancelled (leaving out <paramref name="except"/>).</summary>
    public static IReadOnlyList<string> NotCancelled(this IEnumerable<FetchCall> calls, params string[] except)
        => calls.Where(c => !c.SawCancellation && !except.Contains(c.Key)).Select(c => c.Key).ToList();

    /// <summary>Waits (bounded) until every call but <paramref name="except"/> has seen its token cancelled; the code may cancel a moment after it returns.</summary>
    public static bool WaitUntilAllCancelled(Func<IEnumerable<FetchCall>> calls, TimeSpan patience, params string[] except)
        => SpinWait.SpinUntil(() => calls().NotCancelled(except).Count == 0, patience);
}

/// <summary>
/// An <see cref="IFetcher"/> whose behaviour the test supplies. Every call is counted the
/// moment it is made (synchronously, before anything is awaited), drawn on the scenario's
/// timeline and counted in flight. The behaviour receives a token that is cancelled when
/// either the caller's token or the scenario's kill switch is.
/// </summary>
public sealed class FakeFetcher(Scenario scenario, Func<string, CancellationToken, Task<string>> behaviour) : IFetcher
{
    private readonly ConcurrentQueue<FetchCall> _calls = new();

    /// <summary>The value every fake returns for <paramref name="key"/> unless told otherwise.</summary>
    public static string ValueOf(string key) => $"value of {key}";

    /// <summary>"k0", "k1", ... (or another <paramref name="prefix"/>): the keys a check asks for.</summary>
    public static List<string> Keys(int count, string prefix = "k") => Enumerable.Range(0, count).Select(i => $"{prefix}{i}").ToList();

    public IReadOnlyList<FetchCall> Calls => [.. _calls];

    public int CallCount => _calls.Count;

    public Task<string> FetchAsync(string key, CancellationToken cancellationToken)
    {
        var span = scenario.Spans.Begin($"fetch {key}");
        var inFlight = scenario.InFlight.Enter();
        // counted last: a test that sees the call (WaitForCalls) also sees it in flight
        _calls.Enqueue(new FetchCall(key, cancellationToken, Environment.CurrentManagedThreadId));
        return RunAsync(key, cancellationToken, span, inFlight);
    }

    private async Task<string> RunAsync(string key, CancellationToken callerToken, SpanRecorder.Handle span, InFlightCounter.Scope inFlight)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(callerToken, scenario.Abort);
        try
        {
            // return to the caller at once, as real I/O does, and resume on the pool, as real I/O does
            await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
            return await behaviour(key, linked.Token).ConfigureAwait(false);
        }
        finally
        {
            inFlight.Dispose();
            span.Dispose();
        }
    }

    // Ready-made behaviours -------------------------------------------------------------

    /// <summary>Answers after <paramref name="delay"/> without holding a thread.</summary>
    public static Func<string, CancellationToken, Task<string>> After(TimeSpan delay)
        => async (key, ct) =>
        {
            await Task.Delay(delay, ct).ConfigureAwait(false);
            return ValueOf(key);
        };

    /// <summary>Answers once the gate opens.</summary>
    public static Func<string, CancellationToken, Task<string>> AtGate(StartGate gate)
        => async (key, ct) =>
        {
            await gate.ArriveAndWaitAsync(ct).ConfigureAwait(false);
            return ValueOf(key);
        };
}
