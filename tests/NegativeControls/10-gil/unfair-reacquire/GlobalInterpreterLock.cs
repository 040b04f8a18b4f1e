// Mistake: Tick releases the lock and at once re-acquires it (Monitor.Exit then Monitor.Enter): the holder usually wins again before the waiter has woken up.
// Caught by: Every_program_gets_the_lock_back_within_a_few_switch_intervals
using System.Diagnostics;

namespace ConcurrencyKata;

public sealed class GlobalInterpreterLock : IGlobalInterpreterLock
{
    private readonly object _lock = new();
    private readonly TimeSpan _switchInterval;
    private int _waiting;
    private long _acquiredAt;

    public GlobalInterpreterLock(TimeSpan switchInterval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(switchInterval, TimeSpan.Zero);
        _switchInterval = switchInterval;
    }

    public void Acquire()
    {
        Interlocked.Increment(ref _waiting);
        Monitor.Enter(_lock);
        Interlocked.Decrement(ref _waiting);
        _acquiredAt = Stopwatch.GetTimestamp();
    }

    public void Release() => Monitor.Exit(_lock); // throws SynchronizationLockException for a non-owner

    public void Tick()
    {
        if (Volatile.Read(ref _waiting) > 0 && Stopwatch.GetElapsedTime(_acquiredAt) >= _switchInterval)
        {
            Release(); // let a waiter in...
            Acquire(); // ...or so we hope
        }
    }
}
