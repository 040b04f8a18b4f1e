// Mistake: keeps posted callbacks on a stack, so the most recent runs first and turns come out of order.
// Caught by: Two_coroutines_that_yield_in_turn_interleave_step_by_step
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
        var queue = new BlockingCollection<(SendOrPostCallback, object?)>(new ConcurrentStack<(SendOrPostCallback, object?)>());
        SynchronizationContext.SetSynchronizationContext(new StackContext(queue));
        try
        {
            var task = main();
            task.ContinueWith(_ => queue.CompleteAdding(), TaskScheduler.Default);
            foreach (var (callback, state) in queue.GetConsumingEnumerable())
            {
                callback(state);
            }
            return task.GetAwaiter().GetResult();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    private sealed class StackContext(BlockingCollection<(SendOrPostCallback, object?)> queue) : SynchronizationContext
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
