// Mistake: a correct loop whose Post throws once Run has returned (the queue is completed and disposed): a late continuation kills the process.
// Caught by: A_continuation_that_arrives_after_Run_has_returned_does_not_throw
using System.Collections.Concurrent;

namespace ConcurrencyKata;

public static class EventLoop
{
    public static void Run(Func<Task> main)
    {
        ArgumentNullException.ThrowIfNull(main);
        Run(async () =>
        {
            await main();
            return true;
        });
    }

    public static T Run<T>(Func<Task<T>> main)
    {
        ArgumentNullException.ThrowIfNull(main);
        var previous = SynchronizationContext.Current;
        using var loop = new LoopContext();
        SynchronizationContext.SetSynchronizationContext(loop);
        try
        {
            // main runs here, on this thread, up to its first unfinished await...
            var task = main();
            // ...and when its task is done, from whatever thread, the loop is told to stop.
            _ = task.ContinueWith(_ => loop.Complete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            loop.RunUntilComplete();
#pragma warning disable VSTHRD002 // not a wait: the loop ran until the task completed
            return task.GetAwaiter().GetResult(); // rethrows main's exception as itself
#pragma warning restore VSTHRD002
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    /// <summary>
    /// Every continuation that captured this context arrives through Post, from any thread, and
    /// waits in the queue until the loop's thread takes it. Take() blocks without spinning, so an
    /// idle loop costs no CPU.
    /// </summary>
    private sealed class LoopContext : SynchronizationContext, IDisposable
    {
        private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = [];

        public override void Post(SendOrPostCallback d, object? state) => _queue.Add((d, state));

        public override void Send(SendOrPostCallback d, object? state)
            => throw new NotSupportedException("Send would block the caller until the loop runs it; post instead.");

        public override SynchronizationContext CreateCopy() => this;

        public void Complete() => _queue.CompleteAdding();

        public void RunUntilComplete()
        {
            foreach (var (callback, state) in _queue.GetConsumingEnumerable())
            {
                callback(state);
            }
        }

        public void Dispose() => _queue.Dispose();
    }
}
