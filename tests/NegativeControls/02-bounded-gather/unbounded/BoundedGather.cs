// Mistake: ignores the limit and starts every fetch at once.
// Caught by: After_a_failure_no_new_fetch_starts_and_the_failure_surfaces_as_itself
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
