// Mistake: workers share a plain int index (`next++`), a data race once continuations resume on several threads at once.
// Caught by: Fetches_that_answer_at_the_same_instant_on_several_threads_lose_nothing
namespace ConcurrencyKata;

public static class BoundedGather
{
    public static async Task<IReadOnlyList<string>> FetchAllAsync(IFetcher fetcher, IReadOnlyList<string> keys, int maxConcurrency, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        var values = new string[keys.Count];
        var next = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        async Task WorkAsync()
        {
            while (next < keys.Count && !stop.IsCancellationRequested)
            {
                var i = next++;
                try
                {
                    values[i] = await fetcher.FetchAsync(keys[i], stop.Token).ConfigureAwait(false);
                }
                catch
                {
                    await stop.CancelAsync().ConfigureAwait(false);
                    throw;
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Math.Min(maxConcurrency, keys.Count)).Select(_ => WorkAsync())).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return values;
    }
}
