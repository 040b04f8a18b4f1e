// Mistake: the work goes to the .NET thread pool (Task.Run), throttled by a SemaphoreSlim to threadCount at a time: the limit holds, but the threads are the shared pool's, not a pool of its own.
// Caught by: A_blocking_continuation_of_a_returned_task_does_not_hold_a_pool_thread
namespace ConcurrencyKata;

#pragma warning disable VSTHRD200 // the names are the exercise's API

public sealed class FixedThreadPool : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly object _lock = new();
    private readonly List<Task> _running = [];
    private bool _shuttingDown;

    public FixedThreadPool(int threadCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
        _slots = new SemaphoreSlim(threadCount);
    }

    public Task<T> Submit<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        lock (_lock)
        {
            if (_shuttingDown)
            {
                throw new InvalidOperationException("The pool is shut down.");
            }
            var task = Task.Run(() =>
            {
                _slots.Wait();
                try
                {
                    return work();
                }
                finally
                {
                    _slots.Release();
                }
            });
            _running.Add(task);
            return task;
        }
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
        Task[] running;
        lock (_lock)
        {
            _shuttingDown = true;
            running = [.. _running];
        }
        try
        {
            Task.WaitAll(running);
        }
        catch (AggregateException)
        {
            // the failures are in their own tasks
        }
    }

    public void Dispose() => Shutdown();
}
