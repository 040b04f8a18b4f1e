// Approach: a plain Queue<int> of indexes and a List of failures, both touched only under one lock; the work itself runs outside it.
namespace ConcurrencyKata;

public static class ThreadWorkers
{
    public static IReadOnlyList<TOut> Run<TIn, TOut>(IReadOnlyList<TIn> items, Func<TIn, TOut> work, int workerCount)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        var gate = new object();
        var queue = new Queue<int>(Enumerable.Range(0, items.Count));
        var results = new TOut[items.Count];
        var failures = new List<Exception>();

        void Worker()
        {
            while (true)
            {
                int index;
                lock (gate)
                {
                    if (!queue.TryDequeue(out index))
                    {
                        return;
                    }
                }
                try
                {
                    var result = work(items[index]);
                    results[index] = result;
                }
                catch (Exception e)
                {
                    lock (gate)
                    {
                        failures.Add(e);
                    }
                }
            }
        }

        var threads = new List<Thread>();
        for (var w = 0; w < Math.Min(workerCount, items.Count); w++)
        {
            var thread = new Thread(Worker) { IsBackground = true };
            thread.Start();
            threads.Add(thread);
        }
        threads.ForEach(t => t.Join());
        return failures.Count > 0 ? throw new AggregateException(failures) : results;
    }
}
