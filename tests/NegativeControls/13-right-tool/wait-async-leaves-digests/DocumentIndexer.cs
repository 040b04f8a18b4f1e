// Mistake: the token reaches the fetches and the whole call is awaited with WaitAsync(cancellationToken), so a cancelled call ends at once; but the wait for a free worker and Task.Run ignore the token, so the documents still queued are digested one after another after the call has ended.
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
        var cores = new SemaphoreSlim(cpuWorkers, cpuWorkers);

        async Task<KeyValuePair<string, long>> IndexOneAsync(string key)
        {
            var document = await fetcher.FetchAsync(key, cancellationToken).ConfigureAwait(false);
            await cores.WaitAsync().ConfigureAwait(false);
            try
            {
                return new(key, await Task.Run(() => DocumentChecksum.Compute(document)).ConfigureAwait(false));
            }
            finally
            {
                cores.Release();
            }
        }

        // the caller stops waiting when it cancels; the digests do not
        var entries = await Task.WhenAll(keys.Select(IndexOneAsync)).WaitAsync(cancellationToken).ConfigureAwait(false);
        return entries.ToDictionary(e => e.Key, e => e.Value);
    }
}
