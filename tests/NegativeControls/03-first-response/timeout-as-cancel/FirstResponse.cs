// Mistake: implements the timeout with CancelAfter and lets the cancellation escape, so a timeout looks like the caller cancelling.
// Caught by: A_timeout_gives_TimeoutException_and_cancels_every_fetch
namespace ConcurrencyKata;

public static class FirstResponse
{
    public static async Task<string> FetchFirstAsync(IFetcher fetcher, IReadOnlyList<string> mirrors, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(mirrors);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        var pending = mirrors.Select(m => fetcher.FetchAsync(m, cts.Token)).ToList();
        var failures = new List<Exception>();
        try
        {
            while (pending.Count > 0)
            {
                var done = await Task.WhenAny(pending).ConfigureAwait(false);
                pending.Remove(done);
                if (done.IsCompletedSuccessfully)
                {
                    return done.Result;
                }
                cts.Token.ThrowIfCancellationRequested();
                failures.Add(done.Exception!.InnerException!);
            }
            throw new AggregateException(failures);
        }
        finally
        {
            cts.Cancel();
        }
    }
}
