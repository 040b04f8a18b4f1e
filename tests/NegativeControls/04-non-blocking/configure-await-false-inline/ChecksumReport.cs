// Mistake: awaits the fetches with ConfigureAwait(false) and computes inline, trusting the await to leave the loop: when the documents are already there (cached) it never leaves, and every checksum runs on the loop.
// Caught by: Cached_documents_are_checksummed_off_the_event_loop_too
namespace ConcurrencyKata;

public static class ChecksumReport
{
    public static async Task<IReadOnlyList<long>> BuildAsync(IFetcher fetcher, IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        var documents = await Task.WhenAll(keys.Select(k => fetcher.FetchAsync(k, cancellationToken))).ConfigureAwait(false);
        return documents.Select(DocumentChecksum.Compute).ToList();
    }
}
