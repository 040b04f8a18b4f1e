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
        // answers arrive in, and `await` rethrows the first failure as itself.
        return await Task.WhenAll(pending).ConfigureAwait(false);
    }
}
