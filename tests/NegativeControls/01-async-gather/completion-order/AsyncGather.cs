// Mistake: starts every fetch at once but collects the values in the order they arrive.
// Caught by: Every_fetch_is_started_before_any_is_awaited
namespace ConcurrencyKata;

public static class AsyncGather
{
    public static async Task<IReadOnlyList<string>> FetchAllAsync(
        IFetcher fetcher,
        IReadOnlyList<string> keys,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        var pending = keys.Select(key => fetcher.FetchAsync(key, cancellationToken)).ToList();
        var values = new List<string>();
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(done);
            values.Add(await done.ConfigureAwait(false));
        }
        return values;
    }
}
