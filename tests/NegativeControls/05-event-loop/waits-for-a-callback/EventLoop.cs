// Mistake: a blocking queue, but the loop checks whether main is done only after running a callback: when main's task is completed by another thread and nothing is posted, it sleeps forever.
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
        var previous = SynchronizationContext.Current;
        var context = new QueueContext();
        SynchronizationContext.SetSynchronizationContext(context);
        try
        {
            var task = main();
            do
            {
                var (callback, state) = context.Queue.Take();
                callback(state);
            }
            while (!task.IsCompleted);
            return task.GetAwaiter().GetResult();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    private sealed class QueueContext : SynchronizationContext
    {
        public BlockingCollection<(SendOrPostCallback Callback, object? State)> Queue { get; } = [];

        public override void Post(SendOrPostCallback d, object? state) => Queue.Add((d, state));
    }
}
