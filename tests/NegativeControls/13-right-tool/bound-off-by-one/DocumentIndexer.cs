// Mistake: the reference, but the semaphore lets cpuWorkers + 1 digests run at once.
// Caught by: Never_more_than_cpuWorkers_digests_at_once
namespace ConcurrencyKata;

public static class DocumentIndexer
{
    public static async Task<IReadOnlyDictionary<string, long>> IndexAsync(
        IFetcher fetcher, IReadOnlyList<string> keys, int cpuWorkers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfLessThan(cpuWorkers, 1);
        using var cores = new SemaphoreSlim(cpuWorkers + 1, cpuWorkers + 1);

        async Task<KeyValuePair<string, long>> IndexOneAsync(string key)
        {
            var document = await fetcher.FetchAsync(key, cancellationToken).ConfigureAwait(false);
            await cores.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var checksum = await Task.Run(() => DocumentChecksum.Compute(document), cancellationToken).ConfigureAwait(false);
                return new KeyValuePair<string, long>(key, checksum);
            }
            finally
            {
                cores.Release();
            }
        }

        var entries = await Task.WhenAll(keys.Select(IndexOneAsync)).ConfigureAwait(false);
        return entries.ToDictionary(e => e.Key, e => e.Value);
    }
}
