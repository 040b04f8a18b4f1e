// Mistake: the reference, but every fetch gets CancellationToken.None: the caller cancels, the requests go on.
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

        async Task<KeyValuePair<string, long>> IndexOneAsync(string key)
        {
            var document = await fetcher.FetchAsync(key, CancellationToken.None).ConfigureAwait(false);
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

        var entries = await Task.WhenAll(keys.Select(IndexOneAsync)).WaitAsync(cancellationToken).ConfigureAwait(false);
        return entries.ToDictionary(e => e.Key, e => e.Value);
    }
}
