// Mistake: blocks on .Result of an async method whose continuation needs the blocked loop thread: a deadlock.
// Caught by: When_the_caller_cancels_every_request_is_cancelled_and_the_report_ends
namespace ConcurrencyKata;

public static class ChecksumReport
{
    public static Task<IReadOnlyList<long>> BuildAsync(IFetcher fetcher, IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        return Task.FromResult(BuildCoreAsync(fetcher, keys, cancellationToken).Result);
    }

    private static async Task<IReadOnlyList<long>> BuildCoreAsync(IFetcher fetcher, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var documents = await Task.WhenAll(keys.Select(k => fetcher.FetchAsync(k, cancellationToken)));
        return await Task.WhenAll(documents.Select(d => Task.Run(() => DocumentChecksum.Compute(d), cancellationToken)));
    }
}
