// Mistake: a correct loop that spins on TryDequeue while idle, keeping a core busy.
// Caught by: An_idle_loop_sleeps_no_cpu_and_no_polling
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
        var context = new SpinContext();
        SynchronizationContext.SetSynchronizationContext(context);
        try
        {
            var task = main();
            while (!task.IsCompleted || !context.Queue.IsEmpty)
            {
                if (context.Queue.TryDequeue(out var item))
                {
                    item.Callback(item.State);
                }
            }
            return task.GetAwaiter().GetResult();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    private sealed class SpinContext : SynchronizationContext
    {
        public ConcurrentQueue<(SendOrPostCallback Callback, object? State)> Queue { get; } = new();

        public override void Post(SendOrPostCallback d, object? state) => Queue.Enqueue((d, state));
    }
}
