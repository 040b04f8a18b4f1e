// Mistake: a correct loop that ends with task.Result, so main's exception arrives wrapped in an AggregateException.
// Caught by: The_exception_of_main_comes_out_of_Run_as_itself
using System.Collections.Concurrent;

namespace ConcurrencyKata;

public static class EventLoop
{
    public static void Run(Func<Task> main)
    {
        ArgumentNullException.ThrowIfNull(main);
        Run(async () => { await main(); return 0; });
    }

    public static T Run<T>(Func<Task<T>> main)
    {
        ArgumentNullException.ThrowIfNull(main);
        var previous = SynchronizationContext.Current;
        var queue = new BlockingCollection<(SendOrPostCallback, object?)>();
        SynchronizationContext.SetSynchronizationContext(new QueueContext(queue));
        try
        {
            var task = main();
            task.ContinueWith(_ => queue.CompleteAdding(), TaskScheduler.Default);
            foreach (var (callback, state) in queue.GetConsumingEnumerable())
            {
                callback(state);
            }
            return task.Result;
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    private sealed class QueueContext(BlockingCollection<(SendOrPostCallback, object?)> queue) : SynchronizationContext
    {
        public override void Post(SendOrPostCallback d, object? state)
        {
            try
            {
                queue.Add((d, state));
            }
            catch (InvalidOperationException)
            {
                ThreadPool.QueueUserWorkItem(static s => s.d(s.state), (d, state), preferLocal: false); // the loop has ended
            }
        }
    }
}
