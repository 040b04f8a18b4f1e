// Approach: one Task.Run per document around both steps: the fetch is awaited on a pool thread and the checksum follows there, never on the loop.
namespace ConcurrencyKata;

public static class ChecksumReport
{
    public static async Task<IReadOnlyList<long>> BuildAsync(IFetcher fetcher, IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        var sums = keys.Select(key => Task.Run(async () =>
        {
            var document = await fetcher.FetchAsync(key, cancellationToken).ConfigureAwait(false);
            return DocumentChecksum.Compute(document);
        }, cancellationToken));
        return await Task.WhenAll(sums).ConfigureAwait(false);
    }
}
