// Approach: ConfigureAwait(false) after the fetches, so the checksums run on the pool thread that resumed, never on the loop.
namespace ConcurrencyKata;

public static class ChecksumReport
{
    public static async Task<IReadOnlyList<long>> BuildAsync(IFetcher fetcher, IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        var documents = await Task.WhenAll(keys.Select(k => fetcher.FetchAsync(k, cancellationToken))).ConfigureAwait(false);
        return documents.Select(DocumentChecksum.Compute).ToList();
    }
}
