// Mistake: fetches in fixed batches of maxConcurrency, each batch waiting for its slowest member.
// Caught by: When_one_fetch_finishes_the_next_starts_at_once_without_waiting_for_the_others
namespace ConcurrencyKata;

public static class BoundedGather
{
    public static async Task<IReadOnlyList<string>> FetchAllAsync(IFetcher fetcher, IReadOnlyList<string> keys, int maxConcurrency, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        var values = new List<string>();
        foreach (var batch in keys.Chunk(maxConcurrency))
        {
            values.AddRange(await Task.WhenAll(batch.Select(k => fetcher.FetchAsync(k, cancellationToken))).ConfigureAwait(false));
        }
        return values;
    }
}
