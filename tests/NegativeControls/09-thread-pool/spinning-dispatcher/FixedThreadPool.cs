// Mistake: the worker threads sleep properly on a BlockingCollection, but a separate dispatcher thread moves jobs to them by spinning on ConcurrentQueue.TryDequeue (with Thread.Yield): an idle pool keeps a core busy on a thread that runs no work.
// Caught by: An_idle_pool_uses_no_cpu
using System.Collections.Concurrent;

namespace ConcurrencyKata;

#pragma warning disable VSTHRD200 // the names are the exercise's API

public sealed class FixedThreadPool : IDisposable
{
    private readonly ConcurrentQueue<Action> _incoming = new();
    private readonly BlockingCollection<Action> _ready = new();
    private readonly Thread _dispatcher;
    private readonly Thread[] _threads;
    private readonly object _lock = new();
    private volatile bool _shuttingDown;
    private bool _joined;

    public FixedThreadPool(int threadCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
        _threads = new Thread[threadCount];
        for (var i = 0; i < threadCount; i++)
        {
            _threads[i] = new Thread(() =>
            {
                foreach (var item in _ready.GetConsumingEnumerable())
                {
                    item();
                }
            }) { IsBackground = true };
            _threads[i].Start();
        }
        _dispatcher = new Thread(Dispatch) { IsBackground = true };
        _dispatcher.Start();
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
            _incoming.Enqueue(() =>
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
            if (_joined)
            {
                return;
            }
            _joined = true;
        }
        if (Thread.CurrentThread != _dispatcher)
        {
            _dispatcher.Join();
        }
        foreach (var thread in _threads)
        {
            if (thread != Thread.CurrentThread)
            {
                thread.Join();
            }
        }
    }

    public void Dispose() => Shutdown();

    private void Dispatch()
    {
        while (true)
        {
            if (_incoming.TryDequeue(out var item))
            {
                _ready.Add(item);
            }
            else if (_shuttingDown)
            {
                _ready.CompleteAdding();
                return;
            }
            else
            {
                Thread.Yield(); // look again
            }
        }
    }
}
