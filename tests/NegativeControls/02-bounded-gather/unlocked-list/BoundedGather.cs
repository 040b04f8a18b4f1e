// Mistake: throttles with SemaphoreSlim correctly, but collects (index, value) pairs in a List<T> shared by every fetch, without a lock.
// Caught by: Fetches_that_answer_at_the_same_instant_on_several_threads_lose_nothing
namespace ConcurrencyKata;

public static class BoundedGather
{
    public static async Task<IReadOnlyList<string>> FetchAllAsync(IFetcher fetcher, IReadOnlyList<string> keys, int maxConcurrency, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var slots = new SemaphoreSlim(maxConcurrency);
        var results = new List<(int Index, string Value)>();

        async Task OneAsync(int i)
        {
            await slots.WaitAsync(stop.Token).ConfigureAwait(false);
            try
            {
                stop.Token.ThrowIfCancellationRequested();
                var value = await fetcher.FetchAsync(keys[i], stop.Token).ConfigureAwait(false);
                results.Add((i, value));
            }
            catch
            {
                await stop.CancelAsync().ConfigureAwait(false);
                throw;
            }
            finally
            {
                slots.Release();
            }
        }

        await Task.WhenAll(Enumerable.Range(0, keys.Count).Select(OneAsync)).ConfigureAwait(false);
        return results.OrderBy(r => r.Index).Select(r => r.Value).ToList();
    }
}
