// Mistake: every fetch at once, but one dedicated thread digests every document, whatever cpuWorkers says.
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
        using var documents = new System.Collections.Concurrent.BlockingCollection<(string Key, string Document)>();
        var index = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        var digester = new Thread(() =>
        {
            foreach (var (key, document) in documents.GetConsumingEnumerable())
            {
                index[key] = DocumentChecksum.Compute(document);
            }
        }) { IsBackground = true };
        digester.Start();
        try
        {
            await Task.WhenAll(keys.Select(async key => documents.Add((key, await fetcher.FetchAsync(key, cancellationToken).ConfigureAwait(false))))).ConfigureAwait(false);
        }
        finally
        {
            documents.CompleteAdding();
            await Task.Run(digester.Join, CancellationToken.None).ConfigureAwait(false);
        }
        return index;
    }
}
