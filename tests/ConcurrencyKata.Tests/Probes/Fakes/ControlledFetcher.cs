using System.Collections.Concurrent;

namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// A fake fetcher whose every answer the test gives by hand: <see cref="Answer"/> or
/// <see cref="Fail"/> a key, in any order. Nothing finishes by itself, so the test decides
/// exactly what is in flight when, without a clock. Every call is drawn on the scenario's
/// timeline and counted in flight.
/// </summary>
public sealed class ControlledFetcher : IFetcher
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _answers = new();
    private readonly FakeFetcher _fake;
    private readonly ConcurrentDictionary<string, bool> _finished = new();

    /// <param name="scenario">The test's probes.</param>
    /// <param name="honoursCancellation">
    /// False for a service that ignores its token (it answers anyway): code that relies on its
    /// calls to end when it cancels them is then caught returning answers it should not.
    /// </param>
    public ControlledFetcher(Scenario scenario, bool honoursCancellation = true)
    {
        _fake = new FakeFetcher(scenario, async (key, ct) =>
        {
            try
            {
                return await AnswerFor(key).Task.WaitAsync(honoursCancellation ? ct : scenario.Abort).ConfigureAwait(false);
            }
            finally
            {
                _finished[key] = true;
            }
        });
    }

    public IReadOnlyList<FetchCall> Calls => _fake.Calls;

    public int CallCount => _fake.CallCount;

    /// <summary>Keys whose fetch has started and not finished yet, in the order they started.</summary>
    public IReadOnlyList<string> Pending => Calls.Select(c => c.Key).Where(k => !_finished.ContainsKey(k)).ToList();

    public Task<string> FetchAsync(string key, CancellationToken cancellationToken) => _fake.FetchAsync(key, cancellationToken);

    /// <summary>Blocks the test thread until at least <paramref name="count"/> calls have been made, or the timeout passes.</summary>
    public bool WaitForCalls(int count, TimeSpan timeout) => SpinWait.SpinUntil(() => CallCount >= count, timeout);

    /// <summary>Blocks until the fetch of <paramref name="key"/> has finished (if it was ever started), or the timeout passes.</summary>
    public bool WaitUntilFinished(string key, TimeSpan timeout)
        => SpinWait.SpinUntil(() => _finished.ContainsKey(key) || !Calls.Any(c => c.Key == key), timeout);

    public void Answer(string key) => AnswerFor(key).TrySetResult(FakeFetcher.ValueOf(key));

    public void Fail(string key, Exception error) => AnswerFor(key).TrySetException(error);

    /// <summary>Answers every key, including ones not asked for yet (they will answer at once).</summary>
    public void AnswerAll(IEnumerable<string> keys)
    {
        foreach (var key in keys)
        {
            Answer(key);
        }
    }

    /// <summary>
    /// Answers the calls in flight one at a time, the oldest (or newest) first, until
    /// <paramref name="call"/> ends, nothing is in flight, or <paramref name="patience"/> runs out.
    /// Before each answer it gives the code a moment (<paramref name="settle"/>) to start what it
    /// starts next: until <paramref name="busy"/> calls are in flight or <paramref name="total"/> have been made.
    /// <paramref name="patience"/> bounds the whole exchange, generously: callers answer whatever is left afterwards.
    /// </summary>
    public void AnswerOneAtATime(Task call, bool newestFirst, int busy, int total, TimeSpan patience, TimeSpan settle)
    {
        var deadline = DateTime.UtcNow + patience;
        while (!call.IsCompleted && DateTime.UtcNow < deadline)
        {
            SpinWait.SpinUntil(() => Pending.Count >= busy || CallCount >= total || call.IsCompleted, settle);
            if (Pending is not { Count: > 0 } pending)
            {
                continue; // the code has not started its next call yet: look again
            }
            var key = newestFirst ? pending[^1] : pending[0];
            Answer(key);
            WaitUntilFinished(key, patience);
        }
    }

    private TaskCompletionSource<string> AnswerFor(string key)
        => _answers.GetOrAdd(key, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
}
