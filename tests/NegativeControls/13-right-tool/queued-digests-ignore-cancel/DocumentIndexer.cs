// Mistake: the token reaches the fetches only: the wait for a free worker and Task.Run ignore it, so the queued digests all run after the caller cancelled.
// Caught by: Cancelling_stops_the_digests_still_waiting_for_a_worker
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

        async Task<KeyValuePair<string, long>> IndexOneAsync(string key)
        {
            var document = await fetcher.FetchAsync(key, cancellationToken).ConfigureAwait(false);
            await cores.WaitAsync().ConfigureAwait(false);
            try
            {
                var checksum = await Task.Run(() => DocumentChecksum.Compute(document)).ConfigureAwait(false);
                return new KeyValuePair<string, long>(key, checksum);
            }
            finally
            {
                cores.Release();
            }
        }

        var entries = await Task.WhenAll(keys.Select(IndexOneAsync)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return entries.ToDictionary(e => e.Key, e => e.Value);
    }
}
