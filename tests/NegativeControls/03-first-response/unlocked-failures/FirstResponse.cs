// Mistake: a TaskCompletionSource set by the first success, but the failures go into a List and a plain countdown (`--left`) that continuations update at the same time.
// Caught by: Mirrors_that_fail_at_the_same_instant_give_every_failure
namespace ConcurrencyKata;

public static class FirstResponse
{
    public static async Task<string> FetchFirstAsync(IFetcher fetcher, IReadOnlyList<string> mirrors, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(mirrors);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var winner = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var failures = new List<Exception>();
        var left = mirrors.Count;
        foreach (var mirror in mirrors)
        {
            _ = fetcher.FetchAsync(mirror, cts.Token).ContinueWith(t =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    winner.TrySetResult(t.Result);
                    return;
                }
                failures.Add(t.Exception?.InnerException ?? new TaskCanceledException(t));
                if (--left == 0)
                {
                    winner.TrySetException(new AggregateException(failures));
                }
            }, TaskScheduler.Default);
        }
        try
        {
            return await winner.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (AggregateException)
        {
            throw;
        }
        finally
        {
            await cts.CancelAsync().ConfigureAwait(false);
        }
    }
}
