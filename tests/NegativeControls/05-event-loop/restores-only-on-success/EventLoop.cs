// Mistake: a correct blocking loop that puts the caller's context back only when main succeeds: an exception from main leaves the loop's context installed.
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
        var task = main();
        _ = task.ContinueWith(_ => context.Queue.CompleteAdding(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        foreach (var (callback, state) in context.Queue.GetConsumingEnumerable())
        {
            callback(state);
        }
        var result = task.GetAwaiter().GetResult();
        SynchronizationContext.SetSynchronizationContext(previous);
        return result;
    }

    private sealed class QueueContext : SynchronizationContext
    {
        public BlockingCollection<(SendOrPostCallback Callback, object? State)> Queue { get; } = [];

        public override void Post(SendOrPostCallback d, object? state)
        {
            try
            {
                Queue.Add((d, state));
            }
            catch (InvalidOperationException)
            {
                ThreadPool.QueueUserWorkItem(static s => s.d(s.state), (d, state), preferLocal: false); // the loop has ended
            }
        }
    }
}
