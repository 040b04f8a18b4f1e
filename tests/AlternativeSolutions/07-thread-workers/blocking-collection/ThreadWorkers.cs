// Approach: a BlockingCollection filled and completed up front; each worker thread drains GetConsumingEnumerable; failures in a list under a lock; Join every thread.
using System.Collections.Concurrent;

namespace ConcurrencyKata;

public static class ThreadWorkers
{
    public static IReadOnlyList<TOut> Run<TIn, TOut>(IReadOnlyList<TIn> items, Func<TIn, TOut> work, int workerCount)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        using var queue = new BlockingCollection<int>();
        for (var i = 0; i < items.Count; i++)
        {
            queue.Add(i);
        }
        queue.CompleteAdding();
        var results = new TOut[items.Count];
        var failures = new List<Exception>();
        var threads = new Thread[Math.Min(workerCount, items.Count)];
        for (var w = 0; w < threads.Length; w++)
        {
            threads[w] = new Thread(() =>
            {
                foreach (var index in queue.GetConsumingEnumerable())
                {
                    try
                    {
                        results[index] = work(items[index]);
                    }
                    catch (Exception e)
                    {
                        lock (failures)
                        {
                            failures.Add(e);
                        }
                    }
                }
            });
            threads[w].Start();
        }
        foreach (var thread in threads)
        {
            thread.Join();
        }
        if (failures.Count > 0)
        {
            throw new AggregateException(failures);
        }
        return results;
    }
}
