// Approach: a Channel<int> written and completed up front; each worker thread reads it synchronously with TryRead until it is empty.
using System.Collections.Concurrent;
using System.Threading.Channels;

namespace ConcurrencyKata;

public static class ThreadWorkers
{
    public static IReadOnlyList<TOut> Run<TIn, TOut>(IReadOnlyList<TIn> items, Func<TIn, TOut> work, int workerCount)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        var channel = Channel.CreateUnbounded<int>();
        for (var i = 0; i < items.Count; i++)
        {
            channel.Writer.TryWrite(i);
        }
        channel.Writer.Complete();
        var results = new TOut[items.Count];
        var failures = new ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, Math.Min(workerCount, items.Count)).Select(_ => new Thread(() =>
        {
            while (channel.Reader.TryRead(out var index))
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
