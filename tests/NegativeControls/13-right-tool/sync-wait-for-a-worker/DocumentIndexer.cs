// Mistake: every fetch awaited, but each document then waits for a free worker inside Task.Run, with the semaphore's synchronous Wait: a pool thread parked per document waiting its turn.
// Caught by: Documents_waiting_for_a_free_worker_hold_no_thread
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
            var checksum = await Task.Run(() =>
            {
                cores.Wait(cancellationToken);
                try
                {
                    return DocumentChecksum.Compute(document);
                }
                finally
                {
                    cores.Release();
                }
            }, cancellationToken).ConfigureAwait(false);
            return new(key, checksum);
        }

        var entries = await Task.WhenAll(keys.Select(IndexOneAsync)).ConfigureAwait(false);
        return entries.ToDictionary(e => e.Key, e => e.Value);
    }
}
