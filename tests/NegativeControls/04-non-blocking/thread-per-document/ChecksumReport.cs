// Mistake: gives every document a pool thread of its own that blocks on .Result until the document arrives, then computes there.
// Caught by: When_the_caller_cancels_every_request_is_cancelled_and_the_report_ends
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
