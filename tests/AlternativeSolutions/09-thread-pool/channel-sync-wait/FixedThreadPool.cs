// Approach: an unbounded Channel<T>; each pool thread blocks on reader.WaitToReadAsync().AsTask().Wait() (a synchronous wait is fine on the pool's own thread); Shutdown completes the writer and joins.
using System.Threading.Channels;

namespace ConcurrencyKata;

#pragma warning disable VSTHRD200 // the names are the exercise's API
#pragma warning disable VSTHRD002 // the pool's own threads wait synchronously on purpose

public sealed class FixedThreadPool : IDisposable
{
    private readonly Channel<Action> _channel = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    private readonly Thread[] _threads;

    public FixedThreadPool(int threadCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
        _threads = new Thread[threadCount];
        for (var i = 0; i < threadCount; i++)
        {
            _threads[i] = new Thread(Worker) { IsBackground = true };
            _threads[i].Start();
        }
    }

    public Task<T> Submit<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_channel.Writer.TryWrite(() =>
            {
                try
                {
                    tcs.SetResult(work());
                }
                catch (Exception e)
                {
                    tcs.SetException(e);
                }
            }))
        {
            throw new InvalidOperationException("The pool has been shut down.");
        }
        return tcs.Task;
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
        _channel.Writer.TryComplete(); // false the second time: harmless
        foreach (var thread in _threads)
        {
            if (thread != Thread.CurrentThread)
            {
                thread.Join();
            }
        }
    }

    public void Dispose() => Shutdown();

    private void Worker()
    {
        var reader = _channel.Reader;
        // false once the writer is complete and every item has been read
        while (reader.WaitToReadAsync().AsTask().Result)
        {
            while (reader.TryRead(out var item))
            {
                item();
            }
        }
    }
}
