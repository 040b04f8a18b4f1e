// Mistake: the reference without its argument checks.
// Caught by: Wrong_arguments_are_rejected
namespace ConcurrencyKata;

public static class DocumentIndexer
{
    public static async Task<IReadOnlyDictionary<string, long>> IndexAsync(
        IFetcher fetcher, IReadOnlyList<string> keys, int cpuWorkers, CancellationToken cancellationToken = default)
    {
        using var cores = new SemaphoreSlim(cpuWorkers, cpuWorkers);

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
