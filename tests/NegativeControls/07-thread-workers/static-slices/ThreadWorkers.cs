// Mistake: splits the items into workerCount equal slices up front, one slice per thread: while one worker is stuck on a long item, the rest of its slice waits and the other workers sit idle.
// Caught by: One_stuck_item_does_not_hold_back_the_others
using System.Collections.Concurrent;

namespace ConcurrencyKata;

public static class ThreadWorkers
{
    public static IReadOnlyList<TOut> Run<TIn, TOut>(IReadOnlyList<TIn> items, Func<TIn, TOut> work, int workerCount)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        var results = new TOut[items.Count];
        var failures = new ConcurrentQueue<Exception>();
        var count = Math.Min(workerCount, items.Count);
        var size = count == 0 ? 0 : (items.Count + count - 1) / count;
        var threads = Enumerable.Range(0, count).Select(w => new Thread(() =>
        {
            for (var index = w * size; index < Math.Min(items.Count, (w + 1) * size); index++)
            {
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
