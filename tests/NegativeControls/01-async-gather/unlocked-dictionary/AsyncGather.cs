// Mistake: starts every fetch at once, but each continuation writes its value into one Dictionary shared without a lock.
// Caught by: Fetches_that_answer_at_the_same_instant_on_several_threads_lose_nothing
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
