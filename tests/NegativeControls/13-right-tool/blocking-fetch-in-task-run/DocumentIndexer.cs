// Mistake: a Task.Run per key that reads the fetch's .Result, then digests, under the semaphore: a pool thread held for every document on its way.
// Caught by: When_the_caller_cancels_every_fetch_is_cancelled_and_the_call_ends
namespace ConcurrencyKata;

public static class DocumentIndexer
{
    public static async Task<IReadOnlyDictionary<string, long>> IndexAsync(
        IFetcher fetcher, IReadOnlyList<string> keys, int cpuWorkers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfLessThan(cpuWorkers, 1);
        using var cores = new SemaphoreSlim(cpuWorkers, cpuWorkers);
        var entries = await Task.WhenAll(keys.Select(key => Task.Run(() =>
        {
            var document = fetcher.FetchAsync(key, cancellationToken).Result;
            cores.Wait(cancellationToken);
            try
            {
                return new KeyValuePair<string, long>(key, DocumentChecksum.Compute(document));
            }
            finally
            {
                cores.Release();
            }
        }, cancellationToken))).ConfigureAwait(false);
        return entries.ToDictionary(e => e.Key, e => e.Value);
    }
}
