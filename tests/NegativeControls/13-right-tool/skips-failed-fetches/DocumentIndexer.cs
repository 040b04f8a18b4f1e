// Mistake: a fetch that fails is caught and its key left out: the call "succeeds" with an index that lacks it.
// Caught by: A_fetch_that_fails_fails_the_call
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
            var document = await FetchOrNullAsync(key).ConfigureAwait(false);
            if (document is null)
            {
                return new KeyValuePair<string, long>(null!, 0);
            }
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
        return entries.Where(e => e.Key is not null).ToDictionary(e => e.Key, e => e.Value);

        async Task<string?> FetchOrNullAsync(string key)
        {
            try
            {
                return await fetcher.FetchAsync(key, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        }
    }
}
