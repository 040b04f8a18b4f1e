// Mistake: one fetch at a time, whatever the limit.
// Caught by: Exactly_maxConcurrency_fetches_are_in_flight_never_more
namespace ConcurrencyKata;

public static class BoundedGather
{
    public static async Task<IReadOnlyList<string>> FetchAllAsync(IFetcher fetcher, IReadOnlyList<string> keys, int maxConcurrency, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        var values = new List<string>();
        foreach (var key in keys)
        {
            values.Add(await fetcher.FetchAsync(key, cancellationToken).ConfigureAwait(false));
        }
        return values;
    }
}
