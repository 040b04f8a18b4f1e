// Mistake: the worker catches a failing item's exception to stay alive, and only logs it: the item's task is never completed, so whoever awaits it waits forever.
// Caught by: A_failing_job_faults_its_own_task_with_its_own_exception_and_the_pool_goes_on
namespace ConcurrencyKata;

#pragma warning disable VSTHRD200 // the names are the exercise's API: Submit returns a task, as ExecutorService.submit returns a future

public sealed class FixedThreadPool : IDisposable
{
    private readonly object _lock = new();
    private readonly Queue<Action> _queue = new();
    private readonly Thread[] _threads;
    private bool _shuttingDown;

    public FixedThreadPool(int threadCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
        _threads = new Thread[threadCount];
        for (var i = 0; i < threadCount; i++)
        {
            // background: a pool nobody shut down must not keep the process alive at exit
            _threads[i] = new Thread(RunWorker) { IsBackground = true, Name = $"FixedThreadPool worker {i + 1}/{threadCount}" };
            _threads[i].Start();
        }
    }

    public Task<T> Submit<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        // RunContinuationsAsynchronously: whoever awaits the task resumes on the .NET thread pool,
        // never inline on our worker (a continuation that blocks would otherwise hold it).
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(() =>
        {
            try
            {
                result.SetResult(work());
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"work failed: {e.Message}"); // the pool survives; the task never completes
            }
        });
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

    /// <summary>Stops accepting work, lets the queued work finish, and returns once every worker thread has ended. Idempotent.</summary>
    public void Shutdown()
    {
        lock (_lock)
        {
            _shuttingDown = true;
            Monitor.PulseAll(_lock); // every sleeping worker wakes, drains the queue, and sees the flag
        }
        foreach (var thread in _threads)
        {
            // a work item that shuts its own pool down cannot wait for its own thread to end
            if (thread != Thread.CurrentThread)
            {
                thread.Join();
            }
        }
    }

    public void Dispose() => Shutdown();

    private void Enqueue(Action item)
    {
        lock (_lock)
        {
            if (_shuttingDown)
            {
                throw new InvalidOperationException("The pool is shut down: it accepts no more work.");
            }
            _queue.Enqueue(item);
            Monitor.Pulse(_lock); // one item, one sleeping worker woken
        }
    }

    private void RunWorker()
    {
        while (true)
        {
            Action item;
            lock (_lock)
            {
                // a while, not an if: another worker may have taken the item first
                while (_queue.Count == 0)
                {
                    if (_shuttingDown)
                    {
                        return;
                    }
                    Monitor.Wait(_lock); // releases the lock and sleeps: no CPU, no polling
                }
                item = _queue.Dequeue();
            }
            item(); // outside the lock, so the other workers can take work meanwhile; it never throws
        }
    }
}
