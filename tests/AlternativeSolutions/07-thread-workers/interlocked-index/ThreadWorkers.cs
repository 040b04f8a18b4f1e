// Approach: no queue object at all: the shared "queue" is an index that workers advance with Interlocked.Increment; failures in a ConcurrentBag.
using System.Collections.Concurrent;

namespace ConcurrencyKata;

public static class ThreadWorkers
{
    public static IReadOnlyList<TOut> Run<TIn, TOut>(IReadOnlyList<TIn> items, Func<TIn, TOut> work, int workerCount)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        var next = -1;
        var results = new TOut[items.Count];
        var failures = new ConcurrentBag<Exception>();
        var threads = Enumerable.Range(0, Math.Min(workerCount, items.Count))
            .Select(_ => new Thread(() =>
            {
                for (var index = Interlocked.Increment(ref next); index < items.Count; index = Interlocked.Increment(ref next))
                {
                    try
                    {
                        results[index] = work(items[index]);
                    }
                    catch (Exception e)
                    {
                        failures.Add(e);
                    }
                }
            }))
            .ToArray();
        Array.ForEach(threads, t => t.Start());
        Array.ForEach(threads, t => t.Join());
        return failures.IsEmpty ? results : throw new AggregateException(failures);
    }
}
