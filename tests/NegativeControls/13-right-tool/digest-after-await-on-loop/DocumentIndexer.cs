// Mistake: one pipeline per key and every fetch at once, but the digest runs right after the await, which comes back to the caller's event loop (no ConfigureAwait(false), no Task.Run).
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
            var document = await fetcher.FetchAsync(key, cancellationToken);
            await cores.WaitAsync(cancellationToken);
            try
            {
                return new(key, DocumentChecksum.Compute(document));
            }
            finally
            {
                cores.Release();
            }
        }

        var entries = await Task.WhenAll(keys.Select(IndexOneAsync));
        return entries.ToDictionary(e => e.Key, e => e.Value);
    }
}
