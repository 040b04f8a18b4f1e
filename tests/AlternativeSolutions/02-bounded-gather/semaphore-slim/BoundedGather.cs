// Approach: a task per key throttled by SemaphoreSlim; re-checks for a failure after acquiring a slot and cancels before releasing.
using System.Runtime.ExceptionServices;

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
        var values = new string[keys.Count];
        Exception? first = null;

        async Task OneAsync(int i)
        {
            try
            {
                await slots.WaitAsync(stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                if (stop.IsCancellationRequested)
                {
                    return; // handed the slot in the same instant another fetch failed
                }
                values[i] = await fetcher.FetchAsync(keys[i], stop.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref first, e, null);
                stop.Cancel();
            }
            finally
            {
                slots.Release();
            }
        }

        await Task.WhenAll(Enumerable.Range(0, keys.Count).Select(OneAsync)).ConfigureAwait(false);
        if (first is not null)
        {
            ExceptionDispatchInfo.Throw(first);
        }
        cancellationToken.ThrowIfCancellationRequested();
        return values;
    }
}
