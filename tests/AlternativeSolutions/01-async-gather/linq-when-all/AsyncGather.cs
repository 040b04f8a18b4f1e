// Approach: one expression, Task.WhenAll over an async lambda per key.
namespace ConcurrencyKata;

public static class AsyncGather
{
    public static async Task<IReadOnlyList<string>> FetchAllAsync(IFetcher fetcher, IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        return await Task.WhenAll(keys.Select(async key => await fetcher.FetchAsync(key, cancellationToken).ConfigureAwait(false))).ConfigureAwait(false);
    }
}
