// Mistake: moves the work to Task.Run but then blocks the caller on its .Result.
// Caught by: When_the_caller_cancels_every_request_is_cancelled_and_the_report_ends
namespace ConcurrencyKata;

public static class ChecksumReport
{
    public static Task<IReadOnlyList<long>> BuildAsync(IFetcher fetcher, IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        var work = Task.Run(async () =>
        {
            var documents = await Task.WhenAll(keys.Select(k => fetcher.FetchAsync(k, cancellationToken))).ConfigureAwait(false);
            return (IReadOnlyList<long>)documents.Select(DocumentChecksum.Compute).ToList();
        });
        return Task.FromResult(work.Result);
    }
}
