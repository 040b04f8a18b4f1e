// Mistake: starts every fetch, then blocks the caller's thread in Task.WaitAll before returning.
// Caught by: FetchAllAsync_returns_a_pending_task_instead_of_blocking_its_caller
namespace ConcurrencyKata;

public static class AsyncGather
{
    public static Task<IReadOnlyList<string>> FetchAllAsync(
        IFetcher fetcher,
        IReadOnlyList<string> keys,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        var pending = keys.Select(key => fetcher.FetchAsync(key, cancellationToken)).ToArray();
        Task.WaitAll(pending, cancellationToken);
        return Task.FromResult<IReadOnlyList<string>>(pending.Select(t => t.Result).ToList());
    }
}
