// Mistake: a worker that catches an item's exception remembers it and stops taking items: with one worker, every item after the first failure is never attempted.
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
        var queue = new ConcurrentQueue<int>(Enumerable.Range(0, items.Count));
        var results = new TOut[items.Count];
        var failures = new ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, Math.Min(workerCount, items.Count)).Select(_ => new Thread(() =>
        {
            try
            {
                while (queue.TryDequeue(out var index))
                {
                    results[index] = work(items[index]);
                }
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return failures.IsEmpty ? results : throw new AggregateException(failures);
    }
}
