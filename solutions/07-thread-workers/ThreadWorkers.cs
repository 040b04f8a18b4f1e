using System.Collections.Concurrent;

namespace ConcurrencyKata;

/// <summary>Exercise 07: a fixed set of worker threads of your own, sharing one queue of items.</summary>
public static class ThreadWorkers
{
    /// <summary>
    /// Runs <paramref name="work"/> on every item with <c>min(workerCount, items.Count)</c> threads
    /// of its own, each taking the next item from one shared queue until it is empty; returns the
    /// results in the order of the items. Every item is attempted; failures are thrown together
    /// afterwards, in an <see cref="AggregateException"/>.
    /// </summary>
    public static IReadOnlyList<TOut> Run<TIn, TOut>(IReadOnlyList<TIn> items, Func<TIn, TOut> work, int workerCount)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        if (items.Count == 0)
        {
            return [];
        }

        // the queue: indexes of the items not taken yet. Any worker that is free takes the next one.
        var queue = new ConcurrentQueue<int>(Enumerable.Range(0, items.Count));
        var results = new TOut[items.Count];     // each index is written by exactly one worker
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
                    failures.Enqueue(e);           // one item failed: the others still run
                }
            }
        }

        var threads = Enumerable.Range(0, Math.Min(workerCount, items.Count))
            .Select(i => new Thread(Work) { Name = $"worker {i + 1}" })
            .ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());           // the caller only waits: blocked, not spinning

        return failures.IsEmpty ? results : throw new AggregateException(failures);
    }
}
