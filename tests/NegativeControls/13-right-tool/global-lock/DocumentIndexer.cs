// Mistake: the reference, with a lock around DocumentChecksum.Compute ("it might not be thread-safe"): the digests take turns, concurrent but not parallel.
// Caught by: Two_digests_are_in_progress_at_once_with_cpuWorkers_2
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
            await cores.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var checksum = await Task.Run(() => { lock (Gate) { return DocumentChecksum.Compute(document); } }, cancellationToken).ConfigureAwait(false);
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

    private static readonly object Gate = new();
}
