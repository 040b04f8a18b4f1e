// Mistake: splits the keys into maxConcurrency fixed slices, one worker per slice: the window starts full, but a slow fetch holds back every key of its slice.
// Caught by: A_fetch_that_never_answers_does_not_hold_back_the_keys_behind_it
namespace ConcurrencyKata;

public static class BoundedGather
{
    public static async Task<IReadOnlyList<string>> FetchAllAsync(IFetcher fetcher, IReadOnlyList<string> keys, int maxConcurrency, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        var values = new string[keys.Count];
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var workers = Math.Min(maxConcurrency, keys.Count);

        async Task SliceAsync(int worker)
        {
            // worker w takes keys w, w + workers, w + 2 * workers, ...
            for (var i = worker; i < keys.Count && !stop.IsCancellationRequested; i += workers)
            {
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

        await Task.WhenAll(Enumerable.Range(0, workers).Select(SliceAsync)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return values;
    }
}
