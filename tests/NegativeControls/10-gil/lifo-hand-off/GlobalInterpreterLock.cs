// Mistake: the lock is handed to the most recent waiter (a stack), so with three programs two take turns and the oldest waiter starves.
// Caught by: Every_program_gets_the_lock_back_within_a_few_switch_intervals
using System.Diagnostics;

namespace ConcurrencyKata;

public sealed class GlobalInterpreterLock : IGlobalInterpreterLock
{
    private readonly object _gate = new();
    private readonly long _switchTicks;
    private readonly Stack<SemaphoreSlim> _waiters = new();
    private Thread? _owner;
    private long _acquiredAt;

    public GlobalInterpreterLock(TimeSpan switchInterval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(switchInterval, TimeSpan.Zero);
        _switchTicks = Math.Max(1, (long)(switchInterval.TotalSeconds * Stopwatch.Frequency));
    }

    public void Acquire()
    {
        SemaphoreSlim mine;
        lock (_gate)
        {
            if (_owner is null)
            {
                Take();
                return;
            }
            mine = new SemaphoreSlim(0);
            _waiters.Push(mine);
        }
        mine.Wait(); // the releaser hands the lock over: _owner is already us
        lock (_gate)
        {
            Take();
        }
    }

    public void Release()
    {
        lock (_gate)
        {
            EnsureOwner();
            HandOver();
        }
    }

    public void Tick()
    {
        lock (_gate)
        {
            EnsureOwner();
            if (_waiters.Count == 0 || Stopwatch.GetTimestamp() - _acquiredAt < _switchTicks)
            {
                return;
            }
        }
        Release();
        Acquire();
    }

    private void Take()
    {
        _owner = Thread.CurrentThread;
        _acquiredAt = Stopwatch.GetTimestamp();
    }

    private void HandOver()
    {
        if (_waiters.Count == 0)
        {
            _owner = null;
            return;
        }
        _owner = HandedOver; // reserved until the waiter wakes and takes it
        _waiters.Pop().Release();
    }

    private static readonly Thread HandedOver = new(() => { });

    private void EnsureOwner()
    {
        if (_owner != Thread.CurrentThread)
        {
            throw new SynchronizationLockException("Not the holder.");
        }
    }
}
