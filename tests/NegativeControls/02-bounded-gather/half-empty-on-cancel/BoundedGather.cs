// Mistake: stops the workers on cancellation but then returns the half-empty array (nulls) instead of throwing OperationCanceledException.
// Caught by: A_token_cancelled_before_the_call_gives_OperationCanceledException_not_empty_values
using System.Runtime.ExceptionServices;

namespace ConcurrencyKata;

public static class BoundedGather
{
    public static async Task<IReadOnlyList<string>> FetchAllAsync(
        IFetcher fetcher,
        IReadOnlyList<string> keys,
        int maxConcurrency,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);

        var values = new string[keys.Count];
        var next = -1;
        Exception? firstFailure = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // Each worker takes the next key as soon as its previous fetch is done, so the window
        // stays full: no worker waits for the others.
        async Task WorkAsync()
        {
            while (true)
            {
                var i = Interlocked.Increment(ref next);
                // after a failure (or cancellation) nobody starts anything new
                if (i >= keys.Count || stop.IsCancellationRequested)
                {
                    return;
                }
                try
                {
                    values[i] = await fetcher.FetchAsync(keys[i], stop.Token).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    // remember the first failure, then tell the others to stop (in that order)
                    Interlocked.CompareExchange(ref firstFailure, e, null);
                    await stop.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }

        var workers = new Task[Math.Min(maxConcurrency, keys.Count)];
        for (var w = 0; w < workers.Length; w++)
        {
            workers[w] = WorkAsync();
        }
        await Task.WhenAll(workers).ConfigureAwait(false);

        if (firstFailure is not null)
        {
            ExceptionDispatchInfo.Throw(firstFailure); // as itself, with its own stack trace
        }
        return values;
    }
}
