// Mistake: every fetch at once and bounded digests on the pool, but IndexAsync waits for them all with .GetAwaiter().GetResult() before it returns: the caller's loop is frozen meanwhile.
// Caught by: The_event_loop_keeps_its_heartbeat_while_documents_are_fetched_and_digested
namespace ConcurrencyKata;

public static class DocumentIndexer
{
    public static Task<IReadOnlyDictionary<string, long>> IndexAsync(
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
                return new(key, await Task.Run(() => DocumentChecksum.Compute(document), cancellationToken).ConfigureAwait(false));
            }
            finally
            {
                cores.Release();
            }
        }

        var entries = Task.WhenAll(keys.Select(IndexOneAsync)).GetAwaiter().GetResult();
        return Task.FromResult<IReadOnlyDictionary<string, long>>(entries.ToDictionary(e => e.Key, e => e.Value));
    }
}
