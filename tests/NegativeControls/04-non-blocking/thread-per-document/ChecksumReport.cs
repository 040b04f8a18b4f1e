// Mistake: gives every document a pool thread of its own that blocks on .Result until the document arrives, then computes there.
namespace ConcurrencyKata;

public static class ChecksumReport
{
    public static async Task<IReadOnlyList<long>> BuildAsync(IFetcher fetcher, IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        var sums = keys.Select(key => Task.Run(() => DocumentChecksum.Compute(fetcher.FetchAsync(key, cancellationToken).Result), cancellationToken));
        return await Task.WhenAll(sums).ConfigureAwait(false);
    }
}
