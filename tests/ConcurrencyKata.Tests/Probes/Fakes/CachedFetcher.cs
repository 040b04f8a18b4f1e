using System.Collections.Concurrent;

namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// A fetcher whose every answer is already in a cache: <see cref="FetchAsync"/> returns a task
/// that is complete before the caller sees it, as a memory cache or a buffered stream does. An
/// `await` on it does not pause at all, so code that counts on every await to move it to another
/// thread (ConfigureAwait(false) is not a way to leave a thread) is caught here.
/// </summary>
public sealed class CachedFetcher(Scenario scenario) : IFetcher
{
    private readonly ConcurrentQueue<FetchCall> _calls = new();

    public IReadOnlyList<FetchCall> Calls => [.. _calls];

    public int CallCount => _calls.Count;

    public Task<string> FetchAsync(string key, CancellationToken cancellationToken)
    {
        _calls.Enqueue(new FetchCall(key, cancellationToken, Environment.CurrentManagedThreadId));
        using (scenario.Spans.Begin($"fetch {key} (cached)"))
        {
            return cancellationToken.IsCancellationRequested
                ? Task.FromCanceled<string>(cancellationToken)
                : Task.FromResult(FakeFetcher.ValueOf(key));
        }
    }
}
