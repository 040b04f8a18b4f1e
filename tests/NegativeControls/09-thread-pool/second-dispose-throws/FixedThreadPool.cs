// Mistake: Dispose shuts down and then disposes the BlockingCollection; a second Dispose (a `using` after an explicit Dispose) calls CompleteAdding on the disposed collection and throws ObjectDisposedException.
// Caught by: Shutdown_twice_and_Dispose_after_it_are_harmless
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
        _queue.CompleteAdding(); // harmless twice... unless the collection is disposed
        foreach (var thread in _threads.Where(t => t != Thread.CurrentThread))
        {
            thread.Join();
        }
    }

    public void Dispose()
    {
        Shutdown();
        _queue.Dispose(); // "release what we hold"
    }

    private void RunWorker()
    {
        // sleeps while empty; ends once adding is complete and the queue is empty
        foreach (var item in _queue.GetConsumingEnumerable())
        {
            item();
        }
    }
}
