// Approach: a FIFO queue of waiters, each asleep on a SemaphoreSlim of its own; Release and Tick hand the lock directly to the waiter at the head of the queue.
using System.Diagnostics;

namespace ConcurrencyKata;

public sealed class GlobalInterpreterLock : IGlobalInterpreterLock
{
    private readonly object _gate = new();
    private readonly TimeSpan _switchInterval;
    private readonly Queue<(Thread Thread, SemaphoreSlim Wake)> _waiters = new();
    private Thread? _owner;
    private long _acquiredAt;

    public GlobalInterpreterLock(TimeSpan switchInterval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(switchInterval, TimeSpan.Zero);
        _switchInterval = switchInterval;
    }

    public void Acquire()
    {
        SemaphoreSlim wake;
        lock (_gate)
        {
            if (_owner is null && _waiters.Count == 0)
            {
                _owner = Thread.CurrentThread;
                _acquiredAt = Stopwatch.GetTimestamp();
                return;
            }
            wake = new SemaphoreSlim(0, 1);
            _waiters.Enqueue((Thread.CurrentThread, wake));
        }
        wake.Wait(); // whoever hands over has already made us the owner
        wake.Dispose();
    }

    public void Release()
    {
        lock (_gate)
        {
            EnsureOwner();
            HandToNext();
        }
    }

    public void Tick()
    {
        SemaphoreSlim wake;
        lock (_gate)
        {
            EnsureOwner();
            if (_waiters.Count == 0 || Stopwatch.GetElapsedTime(_acquiredAt) < _switchInterval)
            {
                return;
            }
            wake = new SemaphoreSlim(0, 1);
            HandToNext();
            _waiters.Enqueue((Thread.CurrentThread, wake)); // behind everyone who was already waiting
        }
        wake.Wait();
        wake.Dispose();
    }

    /// <summary>Called holding _gate: the head of the queue becomes the owner, or the lock is free.</summary>
    private void HandToNext()
    {
        if (_waiters.TryDequeue(out var next))
        {
            _owner = next.Thread;
            _acquiredAt = Stopwatch.GetTimestamp();
            next.Wake.Release();
        }
        else
        {
            _owner = null;
        }
    }

    private void EnsureOwner()
    {
        if (_owner != Thread.CurrentThread)
        {
            throw new SynchronizationLockException("Only the thread that holds the global interpreter lock may release it or tick.");
        }
    }
}
