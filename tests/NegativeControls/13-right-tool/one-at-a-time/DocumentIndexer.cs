// Mistake: fetches and digests one document after another (each awaited, the digest on the thread pool): right answers, no overlap at all.
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
        var index = new Dictionary<string, long>();
        foreach (var key in keys)
        {
            var document = await fetcher.FetchAsync(key, cancellationToken).ConfigureAwait(false);
            index[key] = await Task.Run(() => DocumentChecksum.Compute(document), cancellationToken).ConfigureAwait(false);
        }
        return index;
    }
}
