// Mistake: ignores the limit and starts every fetch at once.
// Caught by: Exactly_maxConcurrency_fetches_are_in_flight_never_more
namespace ConcurrencyKata;

public static class BoundedGather
{
    public static async Task<IReadOnlyList<string>> FetchAllAsync(IFetcher fetcher, IReadOnlyList<string> keys, int maxConcurrency, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        return await Task.WhenAll(keys.Select(k => fetcher.FetchAsync(k, cancellationToken))).ConfigureAwait(false);
    }
}
