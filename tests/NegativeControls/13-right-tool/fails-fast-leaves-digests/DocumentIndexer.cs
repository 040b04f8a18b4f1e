// Mistake: the reference, but the call throws at the first failure (Task.WhenAny, one by one) without waiting for or cancelling the rest: their digests start after the call has ended.
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
        var cores = new SemaphoreSlim(cpuWorkers, cpuWorkers);

        async Task<KeyValuePair<string, long>> IndexOneAsync(string key)
        {
            var document = await fetcher.FetchAsync(key, cancellationToken).ConfigureAwait(false);
            await cores.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return new(key, await Task.Run(() => DocumentChecksum.Compute(document), cancellationToken).ConfigureAwait(false));
            }
            finally
            {
                cores.Release();
            }
        }

        var pending = keys.Select(IndexOneAsync).ToList();
        var index = new Dictionary<string, long>();
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(done);
            var (key, checksum) = await done.ConfigureAwait(false); // the first failure leaves at once
            index[key] = checksum;
        }
        return index;
    }
}
