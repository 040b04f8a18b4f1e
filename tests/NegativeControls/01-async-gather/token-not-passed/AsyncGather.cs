// Mistake: starts every fetch at once, but gives them CancellationToken.None instead of the caller's token: the caller cannot stop them.
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
        var fetches = keys.Select(key => fetcher.FetchAsync(key, CancellationToken.None)).ToArray();
        return await Task.WhenAll(fetches).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
