// Mistake: the workers share a plain int index and take items with `next++`: two workers can read the same value, so an item runs twice and another never.
// Caught by: Items_taken_at_the_same_instant_are_each_run_exactly_once
using System.Collections.Concurrent;

namespace ConcurrencyKata;

public static class ThreadWorkers
{
    public static IReadOnlyList<TOut> Run<TIn, TOut>(IReadOnlyList<TIn> items, Func<TIn, TOut> work, int workerCount)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        var next = 0;
        var results = new TOut[items.Count];
        var failures = new ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, Math.Min(workerCount, items.Count)).Select(_ => new Thread(() =>
        {
            while (true)
            {
                var index = next++;
                if (index >= items.Count)
                {
                    return;
                }
                try
                {
                    results[index] = work(items[index]);
                }
                catch (Exception e)
                {
                    failures.Enqueue(e);
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return failures.IsEmpty ? results : throw new AggregateException(failures);
    }
}
