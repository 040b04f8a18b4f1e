// Mistake: a plain Queue<T> of callbacks with a SemaphoreSlim counting them: Post, called from several threads at once, corrupts the queue and loses callbacks.

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
        var context = new SignalContext();
        SynchronizationContext.SetSynchronizationContext(context);
        try
        {
            var task = main();
            task.ContinueWith(_ => context.Post(_ => { }, null), TaskScheduler.Default); // wake the loop at the end
            while (true)
            {
                context.Signal.Wait();
                if (context.Queue.TryDequeue(out var item))
                {
                    item.Callback(item.State);
                }
                if (task.IsCompleted && context.Queue.Count == 0)
                {
                    break;
                }
            }
            return task.GetAwaiter().GetResult();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    private sealed class SignalContext : SynchronizationContext
    {
        public Queue<(SendOrPostCallback Callback, object? State)> Queue { get; } = new();

        public SemaphoreSlim Signal { get; } = new(0);

        public override void Post(SendOrPostCallback d, object? state)
        {
            Queue.Enqueue((d, state));
            Signal.Release();
        }
    }
}
