// Mistake: workers wait on a BlockingCollection that is never completed, and Run returns once a countdown says every item is done: the results are right, but every worker thread is left behind, blocked forever.
// Caught by: A_failing_item_does_not_stop_the_others_and_every_failure_is_reported
using System.Collections.Concurrent;

namespace ConcurrencyKata;

public static class ThreadWorkers
{
    public static IReadOnlyList<TOut> Run<TIn, TOut>(IReadOnlyList<TIn> items, Func<TIn, TOut> work, int workerCount)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        if (items.Count == 0)
        {
            return [];
        }
        var queue = new BlockingCollection<int>();
        var results = new TOut[items.Count];
        var failures = new ConcurrentQueue<Exception>();
        using var done = new CountdownEvent(items.Count);
        for (var w = 0; w < Math.Min(workerCount, items.Count); w++)
        {
            new Thread(() =>
            {
                foreach (var index in queue.GetConsumingEnumerable())
                {
                    try
                    {
                        results[index] = work(items[index]);
                    }
                    catch (Exception e)
                    {
                        failures.Enqueue(e);
                    }
                    done.Signal();
                }
            }) { IsBackground = true }.Start();
        }
        for (var i = 0; i < items.Count; i++)
        {
            queue.Add(i);
        }
        done.Wait();
        return failures.IsEmpty ? results : throw new AggregateException(failures);
    }
}
