// Mistake: awaits every fetch (Task.WhenAll), and only then digests, bounded: the CPU waits for the slowest document.
// Caught by: Digesting_starts_while_other_documents_are_still_on_their_way
namespace ConcurrencyKata;

public static class DocumentIndexer
{
    public static async Task<IReadOnlyDictionary<string, long>> IndexAsync(
        IFetcher fetcher, IReadOnlyList<string> keys, int cpuWorkers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfLessThan(cpuWorkers, 1);
        var documents = await Task.WhenAll(keys.Select(k => fetcher.FetchAsync(k, cancellationToken))).ConfigureAwait(false);
        using var cores = new SemaphoreSlim(cpuWorkers, cpuWorkers);
        var sums = await Task.WhenAll(documents.Select(async document =>
        {
            await cores.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await Task.Run(() => DocumentChecksum.Compute(document), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                cores.Release();
            }
        })).ConfigureAwait(false);
        return keys.Select((k, i) => (k, i)).ToDictionary(p => p.k, p => sums[p.i]);
    }
}
