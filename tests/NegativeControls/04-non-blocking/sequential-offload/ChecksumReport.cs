// Mistake: never blocks, but fetches one document at a time.
// Caught by: The_fetches_overlap
namespace ConcurrencyKata;

public static class ChecksumReport
{
    public static async Task<IReadOnlyList<long>> BuildAsync(IFetcher fetcher, IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        var sums = new List<long>();
        foreach (var key in keys)
        {
            var document = await fetcher.FetchAsync(key, cancellationToken);
            sums.Add(await Task.Run(() => DocumentChecksum.Compute(document), cancellationToken));
        }
        return sums;
    }
}
