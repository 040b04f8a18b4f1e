// Mistake: awaits all fetches together, then computes every checksum on the caller's (the loop's) thread.
// Caught by: No_checksum_is_computed_on_the_event_loop_thread
namespace ConcurrencyKata;

public static class ChecksumReport
{
    public static async Task<IReadOnlyList<long>> BuildAsync(IFetcher fetcher, IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        var documents = await Task.WhenAll(keys.Select(k => fetcher.FetchAsync(k, cancellationToken)));
        return documents.Select(DocumentChecksum.Compute).ToList();
    }
}
