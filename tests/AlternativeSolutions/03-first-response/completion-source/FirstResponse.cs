// Approach: one TaskCompletionSource set by the first success; a countdown of failures; WaitAsync for the timeout.
namespace ConcurrencyKata;

public static class FirstResponse
{
    public static async Task<string> FetchFirstAsync(IFetcher fetcher, IReadOnlyList<string> mirrors, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(mirrors);
        ArgumentOutOfRangeException.ThrowIfZero(mirrors.Count);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var winner = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
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
                failures.Enqueue(t.Exception?.InnerException ?? new TaskCanceledException(t));
                if (Interlocked.Decrement(ref left) == 0)
                {
                    winner.TrySetException(new AggregateException(failures));
                }
            }, TaskScheduler.Default);
        }
        try
        {
            return await winner.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (AggregateException) when (cancellationToken.IsCancellationRequested)
        {
            // the caller cancelled, every fetch saw it and failed, and the last failure can win the race
            // against WaitAsync's own cancellation: that is the caller's cancellation, not the mirrors' failure
            throw new OperationCanceledException(cancellationToken);
        }
        finally
        {
            await cts.CancelAsync().ConfigureAwait(false);
        }
    }
}
