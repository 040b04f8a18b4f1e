// Approach: a Queue<T> under one lock; Submit wakes every idle thread with Monitor.PulseAll and each re-checks the queue (simpler than Pulse, costs spurious wake-ups only while work arrives).
namespace ConcurrencyKata;

#pragma warning disable VSTHRD200 // the names are the exercise's API

public sealed class FixedThreadPool : IDisposable
{
    private readonly object _lock = new();
    private readonly Queue<Action> _queue = new();
    private readonly List<Thread> _threads = [];
    private bool _stopping;

    public FixedThreadPool(int threadCount)
    {
        if (threadCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(threadCount), threadCount, "A pool needs at least one thread.");
        }
        for (var i = 0; i < threadCount; i++)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"pool-{i}" };
            _threads.Add(thread);
            thread.Start();
        }
    }

    public Task<T> Submit<T>(Func<T> work)
    {
        if (work is null)
        {
            throw new ArgumentNullException(nameof(work));
        }
        var source = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            _queue.Enqueue(() =>
            {
                T value;
                try
                {
                    value = work();
                }
                catch (Exception e)
                {
                    source.TrySetException(e);
                    return;
                }
                source.TrySetResult(value);
            });
            Monitor.PulseAll(_lock);
        }
        return source.Task;
    }

    public Task Submit(Action work)
    {
        if (work is null)
        {
            throw new ArgumentNullException(nameof(work));
        }
        return Submit<object?>(() =>
        {
            work();
            return null;
        });
    }

    public void Shutdown()
    {
        lock (_lock)
        {
            _stopping = true;
            Monitor.PulseAll(_lock);
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

    private void Loop()
    {
        while (true)
        {
            Action next;
            lock (_lock)
            {
                while (_queue.Count == 0 && !_stopping)
                {
                    Monitor.Wait(_lock);
                }
                if (_queue.Count == 0)
                {
                    return; // stopping, and nothing left
                }
                next = _queue.Dequeue();
            }
            next();
        }
    }
}
