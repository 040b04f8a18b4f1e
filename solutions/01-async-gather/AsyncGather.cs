namespace ConcurrencyKata;

/// <summary>Exercise 01, reference solution.</summary>
public static class AsyncGather
{
    public static async Task<IReadOnlyList<string>> FetchAllAsync(
        IFetcher fetcher,
        IReadOnlyList<string> keys,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);

        // Start every fetch first. Each call returns a task at its first real wait, so by the
        // end of this loop all of them are in progress at once.
        var pending = new Task<string>[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            pending[i] = fetcher.FetchAsync(keys[i], cancellationToken);
        }

        // Then wait for all of them. WhenAll keeps the order of its input, whatever order the
        // answers arrive in. If fetches fail, `await` throws the exception of the first failed task
        // in that order, as itself (the others are in the WhenAll task's Exception.InnerExceptions).
        return await Task.WhenAll(pending).ConfigureAwait(false);
    }
}
