// Mistake: runs the workers as Task.Run tasks on the thread pool and waits with Task.WaitAll: right results, but borrowed pool threads, not threads of its own.
// Caught by: Workers_are_threads_of_its_own_and_all_of_them_work_at_the_same_time
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
        var workers = Enumerable.Range(0, Math.Min(workerCount, items.Count)).Select(_ => Task.Run(() =>
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
        })).ToArray();
        Task.WaitAll(workers);
        return failures.IsEmpty ? results : throw new AggregateException(failures);
    }
}
