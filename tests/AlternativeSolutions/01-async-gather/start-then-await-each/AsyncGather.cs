// Approach: starts every fetch into a list first, then awaits the tasks one by one in key order.
namespace ConcurrencyKata;

public static class AsyncGather
{
    public static async Task<IReadOnlyList<string>> FetchAllAsync(IFetcher fetcher, IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        var started = new List<Task<string>>(keys.Count);
        foreach (var key in keys)
        {
            started.Add(fetcher.FetchAsync(key, cancellationToken));
        }
        var values = new List<string>(keys.Count);
        foreach (var task in started)
        {
            values.Add(await task.ConfigureAwait(false));
        }
        return values;
    }
}
