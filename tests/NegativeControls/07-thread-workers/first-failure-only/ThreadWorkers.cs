// Mistake: attempts every item, but rethrows only the first item's exception (as itself): the other failures are lost.
// Caught by: A_failing_item_does_not_stop_the_others_and_every_failure_is_reported
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace ConcurrencyKata;

public static class ThreadWorkers
{
    public static IReadOnlyList<TOut> Run<TIn, TOut>(IReadOnlyList<TIn> items, Func<TIn, TOut> work, int workerCount)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        var queue = new ConcurrentQueue<int>(Enumerable.Range(0, items.Count));
        var results = new TOut[items.Count];
        Exception? first = null;
        var threads = Enumerable.Range(0, Math.Min(workerCount, items.Count)).Select(_ => new Thread(() =>
        {
            while (queue.TryDequeue(out var index))
            {
                try
                {
                    results[index] = work(items[index]);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref first, e, null);
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        if (first is not null)
        {
            ExceptionDispatchInfo.Throw(first);
        }
        return results;
    }
}
