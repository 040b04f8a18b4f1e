// Mistake: "to be safe" holds one lock around the whole loop body, the work included: the workers take turns, concurrent but never parallel.
// Caught by: One_stuck_item_does_not_hold_back_the_others
namespace ConcurrencyKata;

public static class ThreadWorkers
{
    public static IReadOnlyList<TOut> Run<TIn, TOut>(IReadOnlyList<TIn> items, Func<TIn, TOut> work, int workerCount)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        var gate = new object();
        var next = 0;
        var results = new TOut[items.Count];
        var failures = new List<Exception>();
        var threads = Enumerable.Range(0, Math.Min(workerCount, items.Count)).Select(_ => new Thread(() =>
        {
            while (true)
            {
                lock (gate)
                {
                    if (next >= items.Count)
                    {
                        return;
                    }
                    var index = next++;
                    try
                    {
                        results[index] = work(items[index]);
                    }
                    catch (Exception e)
                    {
                        failures.Add(e);
                    }
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return failures.Count == 0 ? results : throw new AggregateException(failures);
    }
}
