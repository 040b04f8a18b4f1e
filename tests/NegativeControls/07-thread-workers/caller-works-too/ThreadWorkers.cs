// Mistake: "saves a thread" by making the calling thread one of the workers (workerCount - 1 new threads): the caller does work instead of only waiting, and with one worker no thread is started at all.
// Caught by: Arguments_are_checked_and_no_items_give_an_empty_list
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
        void Work()
        {
            while (queue.TryDequeue(out var index))
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
        }
        var threads = Enumerable.Range(0, Math.Min(workerCount, items.Count) - 1).Select(_ => new Thread(Work)).ToList();
        threads.ForEach(t => t.Start());
        Work();
        threads.ForEach(t => t.Join());
        return failures.IsEmpty ? results : throw new AggregateException(failures);
    }
}
