// Mistake: Parallel.ForEach with MaxDegreeOfParallelism on a pool thread, each fetch read with .GetAwaiter().GetResult(): right values and limits, but a blocked thread per slot.
// Caught by: No_thread_is_held_while_the_fetches_in_flight_wait
using System.Runtime.ExceptionServices;

namespace ConcurrencyKata;

public static class BoundedGather
{
    public static Task<IReadOnlyList<string>> FetchAllAsync(IFetcher fetcher, IReadOnlyList<string> keys, int maxConcurrency, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        return Task.Run<IReadOnlyList<string>>(() =>
        {
            var values = new string[keys.Count];
            var options = new ParallelOptions { MaxDegreeOfParallelism = maxConcurrency, CancellationToken = cancellationToken };
            try
            {
                Parallel.For(0, keys.Count, options, i => values[i] = fetcher.FetchAsync(keys[i], cancellationToken).GetAwaiter().GetResult());
            }
            catch (AggregateException e) when (e.InnerExceptions.Count > 0)
            {
                ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
            }
            return values;
        }, cancellationToken);
    }
}
