// Mistake: awaits each fetch before starting the next one; correct values, no overlap at all.
// Caught by: Every_fetch_is_started_before_any_is_awaited
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
        var values = new List<string>();
        foreach (var key in keys)
        {
            values.Add(await fetcher.FetchAsync(key, cancellationToken).ConfigureAwait(false));
        }
        return values;
    }
}
