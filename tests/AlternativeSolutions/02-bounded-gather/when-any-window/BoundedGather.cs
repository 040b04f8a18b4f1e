// Approach: a Task.WhenAny loop: start up to the limit, and each time one finishes start the next key; a failure ends the loop at once.
namespace ConcurrencyKata;

public static class BoundedGather
{
    public static async Task<IReadOnlyList<string>> FetchAllAsync(IFetcher fetcher, IReadOnlyList<string> keys, int maxConcurrency, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var values = new string[keys.Count];
        var running = new Dictionary<Task<string>, int>();
        var next = 0;
        try
        {
            while (next < keys.Count || running.Count > 0)
            {
                while (running.Count < maxConcurrency && next < keys.Count)
                {
                    running.Add(fetcher.FetchAsync(keys[next], stop.Token), next);
                    next++;
                }
                var done = await Task.WhenAny(running.Keys).ConfigureAwait(false);
                values[running[done]] = await done.ConfigureAwait(false); // a failure ends the loop here, as itself
                running.Remove(done);
            }
            return values;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }
}
