using System.Runtime.ExceptionServices;

namespace ConcurrencyKata;

/// <summary>Exercise 02, reference solution: a fixed number of workers share one queue of keys.</summary>
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
        var fetched = 0;
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
                    Interlocked.Increment(ref fetched);
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
        // The workers also stop when the caller cancels, and fetches may answer even so (a
        // service can ignore its token): some values were never fetched. Say so; never return
        // an array with holes in it.
        if (Volatile.Read(ref fetched) < keys.Count)
        {
            cancellationToken.ThrowIfCancellationRequested();
        }
        return values;
    }
}
