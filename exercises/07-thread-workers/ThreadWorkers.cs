namespace ConcurrencyKata;

/// <summary>Exercise 07: a fixed set of worker threads of your own, sharing one queue of items. Read README.md in this folder first.</summary>
public static class ThreadWorkers
{
    /// <summary>
    /// Runs <paramref name="work"/> on every item with <c>min(workerCount, items.Count)</c> threads
    /// of its own (<c>new Thread</c>), each taking the next item from one shared queue until it is
    /// empty, and returns the results in the order of the items. Every item is attempted; the
    /// items' exceptions are thrown together afterwards, in an <see cref="AggregateException"/>.
    /// </summary>
    public static IReadOnlyList<TOut> Run<TIn, TOut>(IReadOnlyList<TIn> items, Func<TIn, TOut> work, int workerCount)
    {
        throw new NotImplementedException(
            "Exercise 07 is waiting for you: see exercises/07-thread-workers/README.md");
    }
}
