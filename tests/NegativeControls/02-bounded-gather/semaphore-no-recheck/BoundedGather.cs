// Mistake: SemaphoreSlim throttling that releases the slot before cancelling, and never re-checks after acquiring.
// Caught by: After_a_failure_no_new_fetch_starts_and_the_failure_surfaces_as_itself
namespace ConcurrencyKata;

public static class BoundedGather
{
    public static async Task<IReadOnlyList<string>> FetchAllAsync(IFetcher fetcher, IReadOnlyList<string> keys, int maxConcurrency, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var slots = new SemaphoreSlim(maxConcurrency);
        var tasks = keys.Select(async key =>
        {
            try
            {
                await slots.WaitAsync(stop.Token).ConfigureAwait(false);
                try
                {
                    return await fetcher.FetchAsync(key, stop.Token).ConfigureAwait(false);
                }
                finally
                {
                    slots.Release();
                }
            }
            catch (Exception) when (!stop.IsCancellationRequested)
            {
                stop.Cancel();
                throw;
            }
        }).ToArray();
        return await Task.WhenAll(tasks).ConfigureAwait(false);
    }
}
