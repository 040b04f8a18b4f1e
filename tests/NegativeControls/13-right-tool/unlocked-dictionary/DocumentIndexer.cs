// Mistake: every fetch at once, bounded digests on the pool, but each digest writes its checksum into one shared Dictionary from the thread it ran on, without a lock.
// Caught by: Digests_that_end_at_the_same_moment_on_several_threads_lose_nothing
namespace ConcurrencyKata;

public static class DocumentIndexer
{
    public static async Task<IReadOnlyDictionary<string, long>> IndexAsync(
        IFetcher fetcher, IReadOnlyList<string> keys, int cpuWorkers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfLessThan(cpuWorkers, 1);
        var index = new Dictionary<string, long>();
        using var cores = new SemaphoreSlim(cpuWorkers, cpuWorkers);

        async Task IndexOneAsync(string key)
        {
            var document = await fetcher.FetchAsync(key, cancellationToken).ConfigureAwait(false);
            await cores.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                index[key] = await Task.Run(() => DocumentChecksum.Compute(document), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                cores.Release();
            }
        }

        await Task.WhenAll(keys.Select(IndexOneAsync)).ConfigureAwait(false);
        return index;
    }
}
