namespace ConcurrencyKata;

/// <summary>
/// Exercise 13, reference solution: async for the I/O, threads for the CPU. One small pipeline
/// per key (await the fetch, then the digest), every fetch in flight at once, and a semaphore
/// that lets at most cpuWorkers digests run on the thread pool at the same time.
/// </summary>
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
            // waiting for the document holds no thread...
            var document = await fetcher.FetchAsync(key, cancellationToken).ConfigureAwait(false);
            // ...and a digest waits for a free worker without holding one either
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
