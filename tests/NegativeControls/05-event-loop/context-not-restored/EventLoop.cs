// Mistake: a correct loop that leaves its own SynchronizationContext installed on the caller's thread.
// Caught by: Run_restores_the_previous_context_and_can_be_called_again
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
        var queue = new BlockingCollection<(SendOrPostCallback, object?)>();
        SynchronizationContext.SetSynchronizationContext(new QueueContext(queue));
        var task = main();
        task.ContinueWith(_ => queue.CompleteAdding(), TaskScheduler.Default);
        foreach (var (callback, state) in queue.GetConsumingEnumerable())
        {
            callback(state);
        }
        return task.GetAwaiter().GetResult();
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
