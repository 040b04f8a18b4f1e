// Mistake: starts every fetch, then blocks the loop in Task.WaitAll before offloading the checksums.
// Caught by: BuildAsync_returns_a_pending_task_at_once
namespace ConcurrencyKata;

public static class ChecksumReport
{
    public static async Task<IReadOnlyList<long>> BuildAsync(IFetcher fetcher, IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        var fetches = keys.Select(k => fetcher.FetchAsync(k, cancellationToken)).ToArray();
        Task.WaitAll(fetches, cancellationToken);
        return await Task.WhenAll(fetches.Select(f => Task.Run(() => DocumentChecksum.Compute(f.Result), cancellationToken)));
    }
}
