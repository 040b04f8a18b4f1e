// Mistake: starts every fetch at once, but each continuation writes its value into one Dictionary shared without a lock.
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
        var found = new Dictionary<string, string>();
        await Task.WhenAll(keys.Select(async key =>
        {
            found[key] = await fetcher.FetchAsync(key, cancellationToken).ConfigureAwait(false);
        })).ConfigureAwait(false);
        return keys.Select(k => found[k]).ToList();
    }
}
