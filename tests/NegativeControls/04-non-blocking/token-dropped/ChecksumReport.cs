// Mistake: non-blocking and right, but the fetches never get the caller's token: cancelling the report leaves every request running.
// Caught by: When_the_caller_cancels_every_request_is_cancelled_and_the_report_ends
namespace ConcurrencyKata;

public static class ChecksumReport
{
    public static async Task<IReadOnlyList<long>> BuildAsync(IFetcher fetcher, IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);

        async Task<long> OneAsync(string key)
        {
            var document = await fetcher.FetchAsync(key, CancellationToken.None).ConfigureAwait(false);
            return await Task.Run(() => DocumentChecksum.Compute(document), cancellationToken).ConfigureAwait(false);
        }

        return await Task.WhenAll(keys.Select(OneAsync)).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
