using System.Collections.Concurrent;

namespace ConcurrencyKata;

/// <summary>Exercise 05, reference solution: a queue of callbacks and one thread that runs them.</summary>
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
        var loop = new LoopContext();
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
    /// idle loop costs no CPU and wakes only when there is work.
    /// </summary>
    private sealed class LoopContext : SynchronizationContext
    {
        private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = [];

        public override void Post(SendOrPostCallback d, object? state)
        {
            lock (_queue)
            {
                if (!_queue.IsAddingCompleted)
                {
                    _queue.Add((d, state));
                    return;
                }
            }
            // The loop has ended, yet something that captured it finishes now (a task main
            // started and did not await). Throwing here would end the process; run it on the
            // thread pool instead, as it would have run with no context at all.
            ThreadPool.QueueUserWorkItem(static s => s.d(s.state), (d, state), preferLocal: false);
        }

        public override void Send(SendOrPostCallback d, object? state)
            => throw new NotSupportedException("Send would block the caller until the loop runs it; post instead.");

        public override SynchronizationContext CreateCopy() => this;

        public void Complete()
        {
            lock (_queue)
            {
                _queue.CompleteAdding();
            }
        }

        public void RunUntilComplete()
        {
            foreach (var (callback, state) in _queue.GetConsumingEnumerable())
            {
                callback(state);
            }
        }
    }
}
