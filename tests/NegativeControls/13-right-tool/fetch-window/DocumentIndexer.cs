// Mistake: Parallel.ForEachAsync over the keys with MaxDegreeOfParallelism = cpuWorkers, each iteration fetching then digesting: the bound holds back the fetches too.
// Caught by: No_thread_is_held_while_the_documents_are_on_their_way
namespace ConcurrencyKata;

public static class DocumentIndexer
{
    public static async Task<IReadOnlyDictionary<string, long>> IndexAsync(
        IFetcher fetcher, IReadOnlyList<string> keys, int cpuWorkers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfLessThan(cpuWorkers, 1);
        var index = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = cpuWorkers, CancellationToken = cancellationToken }, async (key, token) =>
        {
            var document = await fetcher.FetchAsync(key, token).ConfigureAwait(false);
            index[key] = DocumentChecksum.Compute(document);
        }).ConfigureAwait(false);
        return index;
    }
}
