// Mistake: gives every fetch a thread of its own that blocks on .Result (starves the thread pool).
// Caught by: The_callers_token_reaches_every_fetch
namespace ConcurrencyKata;

public static class AsyncGather
{
    public static async Task<IReadOnlyList<string>> FetchAllAsync(
        IFetcher fetcher,
        IReadOnlyList<string> keys,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        var pending = keys.Select(key => Task.Run(() => fetcher.FetchAsync(key, cancellationToken).Result)).ToArray();
        return await Task.WhenAll(pending).ConfigureAwait(false);
    }
}
