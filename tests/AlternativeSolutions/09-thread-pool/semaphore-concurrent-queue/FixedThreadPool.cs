// Approach: a ConcurrentQueue<T> of work with a SemaphoreSlim counting the items; an idle thread sleeps in Wait(); Shutdown releases one extra count per thread so each wakes, drains, and leaves.
using System.Collections.Concurrent;

namespace ConcurrencyKata;

#pragma warning disable VSTHRD200 // the names are the exercise's API

public sealed class FixedThreadPool : IDisposable
{
    private readonly ConcurrentQueue<Action> _work = new();
    private readonly SemaphoreSlim _available = new(0);
    private readonly Thread[] _threads;
    private int _state; // 0 running, 1 shut down
    private readonly ReaderWriterLockSlim _closing = new();

    public FixedThreadPool(int threadCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
        _threads = new Thread[threadCount];
        for (var i = 0; i < threadCount; i++)
        {
            _threads[i] = new Thread(Run) { IsBackground = true };
            _threads[i].Start();
        }
    }

    public Task<T> Submit<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        // many submitters at once share the read lock; Shutdown takes the write lock, so no item
        // can be added after the threads have been told how many stop signals to expect
        _closing.EnterReadLock();
        try
        {
            if (Volatile.Read(ref _state) != 0)
            {
                throw new ObjectDisposedException(nameof(FixedThreadPool), "The pool is shut down.");
            }
            _work.Enqueue(() =>
            {
                try
                {
                    done.SetResult(work());
                }
                catch (Exception e)
                {
                    done.SetException(e);
                }
            });
            _available.Release();
        }
        finally
        {
            _closing.ExitReadLock();
        }
        return done.Task;
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
        _closing.EnterWriteLock();
        try
        {
            if (Interlocked.Exchange(ref _state, 1) == 0)
            {
                _available.Release(_threads.Length); // one stop signal per thread, behind the queued work
            }
        }
        finally
        {
            _closing.ExitWriteLock();
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

    private void Run()
    {
        while (true)
        {
            _available.Wait(); // one count per item, plus one stop signal per thread at shutdown
            if (_work.TryDequeue(out var item))
            {
                item();
            }
            else
            {
                return; // a stop signal: the queue is empty
            }
        }
    }
}
