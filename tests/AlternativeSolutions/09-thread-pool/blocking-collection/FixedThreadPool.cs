// Approach: a BlockingCollection<Action> drained by each thread's GetConsumingEnumerable(); Shutdown is CompleteAdding plus a Join of every thread.
using System.Collections.Concurrent;

namespace ConcurrencyKata;

#pragma warning disable VSTHRD200 // the names are the exercise's API

public sealed class FixedThreadPool : IDisposable
{
    private readonly BlockingCollection<Action> _queue = new(new ConcurrentQueue<Action>());
    private readonly Thread[] _threads;
    private readonly object _lock = new();

    public FixedThreadPool(int threadCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
        _threads = Enumerable.Range(0, threadCount).Select(_ => new Thread(RunWorker) { IsBackground = true }).ToArray();
        foreach (var thread in _threads)
        {
            thread.Start();
        }
    }

    public Task<T> Submit<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Item()
        {
            try
            {
                result.SetResult(work());
            }
            catch (Exception e)
            {
                result.SetException(e);
            }
        }
        // BlockingCollection.Add after CompleteAdding throws InvalidOperationException by itself
        _queue.Add(Item);
        return result.Task;
    }

    public Task Submit(Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        return Submit(() =>
        {
            work();
            return 0;
        });
    }

    public void Shutdown()
    {
        lock (_lock)
        {
            if (!_queue.IsAddingCompleted)
            {
                _queue.CompleteAdding();
            }
        }
        foreach (var thread in _threads.Where(t => t != Thread.CurrentThread))
        {
            thread.Join();
        }
    }

    public void Dispose() => Shutdown();

    private void RunWorker()
    {
        // sleeps while empty; ends once adding is complete and the queue is empty
        foreach (var item in _queue.GetConsumingEnumerable())
        {
            item();
        }
    }
}
