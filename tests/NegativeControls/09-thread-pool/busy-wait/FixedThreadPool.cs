// Mistake: an idle thread spins on ConcurrentQueue.TryDequeue: work starts at once, but each idle thread keeps a core busy doing nothing.
// Caught by: An_idle_pool_uses_no_cpu
using System.Collections.Concurrent;

namespace ConcurrencyKata;

#pragma warning disable VSTHRD200 // the names are the exercise's API

public sealed class FixedThreadPool : IDisposable
{
    private readonly ConcurrentQueue<Action> _queue = new();
    private readonly Thread[] _threads;
    private readonly object _lock = new();
    private volatile bool _shuttingDown;

    public FixedThreadPool(int threadCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
        _threads = new Thread[threadCount];
        for (var i = 0; i < threadCount; i++)
        {
            _threads[i] = new Thread(RunWorker) { IsBackground = true };
            _threads[i].Start();
        }
    }

    public Task<T> Submit<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_shuttingDown)
            {
                throw new InvalidOperationException("The pool is shut down.");
            }
            _queue.Enqueue(() =>
            {
                try
                {
                    result.SetResult(work());
                }
                catch (Exception e)
                {
                    result.SetException(e);
                }
            });
        }
        return result.Task;
    }

    public Task Submit(Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        return Submit(() =>
        {
            work();
            return true;
        });
    }

    public void Shutdown()
    {
        lock (_lock)
        {
            _shuttingDown = true;
        }
        foreach (var thread in _threads)
        {
            thread.Join();
        }
    }

    public void Dispose() => Shutdown();

    private void RunWorker()
    {
        while (true)
        {
            if (_queue.TryDequeue(out var item))
            {
                item();
            }
            else if (_shuttingDown)
            {
                return;
            }
            // else: look again, at once
        }
    }
}
