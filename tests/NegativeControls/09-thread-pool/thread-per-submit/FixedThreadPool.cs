// Mistake: a new thread for every Submit: nothing is reused and nothing is bounded; threadCount is ignored, and every item in the queue is a thread of its own.
// Caught by: Exactly_threadCount_threads_of_its_own_run_the_work_all_at_once
namespace ConcurrencyKata;

#pragma warning disable VSTHRD200 // the names are the exercise's API

public sealed class FixedThreadPool : IDisposable
{
    private readonly object _lock = new();
    private readonly List<Thread> _threads = [];
    private bool _shuttingDown;

    public FixedThreadPool(int threadCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
    }

    public Task<T> Submit<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                result.SetResult(work());
            }
            catch (Exception e)
            {
                result.SetException(e);
            }
        }) { IsBackground = true };
        lock (_lock)
        {
            if (_shuttingDown)
            {
                throw new InvalidOperationException("The pool is shut down.");
            }
            _threads.Add(thread);
            thread.Start();
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
        Thread[] threads;
        lock (_lock)
        {
            _shuttingDown = true;
            threads = [.. _threads];
        }
        foreach (var thread in threads)
        {
            thread.Join();
        }
    }

    public void Dispose() => Shutdown();
}
