// Mistake: tries the mirrors one after another, moving on only when one fails.
// Caught by: The_first_answer_wins_at_once_and_every_other_fetch_is_cancelled
namespace ConcurrencyKata;

public static class FirstResponse
{
    public static async Task<string> FetchFirstAsync(IFetcher fetcher, IReadOnlyList<string> mirrors, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(mirrors);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        var failures = new List<Exception>();
        foreach (var mirror in mirrors)
        {
            try
            {
                return await fetcher.FetchAsync(mirror, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures.Add(e);
            }
        }
        throw new AggregateException(failures);
    }
}
