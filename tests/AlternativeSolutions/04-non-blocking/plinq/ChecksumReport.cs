// Approach: await every fetch, then one Task.Run that computes the checksums with PLINQ, order preserved.
namespace ConcurrencyKata;

public static class ChecksumReport
{
    public static async Task<IReadOnlyList<long>> BuildAsync(IFetcher fetcher, IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        var documents = await Task.WhenAll(keys.Select(k => fetcher.FetchAsync(k, cancellationToken)));
        return await Task.Run(() => (IReadOnlyList<long>)documents.AsParallel().AsOrdered().Select(DocumentChecksum.Compute).ToList(), cancellationToken);
    }
}
