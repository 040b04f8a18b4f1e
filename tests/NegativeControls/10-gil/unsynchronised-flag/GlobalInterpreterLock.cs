// Mistake: "is it free?" and "take it" are two separate steps on a plain bool: two threads woken together both see it free and both take it.
// Caught by: Every_program_gets_the_lock_back_within_a_few_switch_intervals
using System.Diagnostics;

namespace ConcurrencyKata;

public sealed class GlobalInterpreterLock : IGlobalInterpreterLock
{
    private readonly ManualResetEventSlim _free = new(true);
    private readonly TimeSpan _switchInterval;
    private bool _held;
    private int _waiting;
    private Thread? _owner;
    private long _acquiredAt;

    public GlobalInterpreterLock(TimeSpan switchInterval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(switchInterval, TimeSpan.Zero);
        _switchInterval = switchInterval;
    }

    public void Acquire()
    {
        _waiting++;
        while (_held)
        {
            _free.Wait(); // sleeps until Release signals
        }
        _held = true;       // check, then take: another thread can do the same in between
        _free.Reset();
        _waiting--;
        _owner = Thread.CurrentThread;
        _acquiredAt = Stopwatch.GetTimestamp();
    }

    public void Release()
    {
        if (_owner != Thread.CurrentThread)
        {
            throw new SynchronizationLockException("Not the holder.");
        }
        _owner = null;
        _held = false;
        _free.Set();
    }

    public void Tick()
    {
        if (Volatile.Read(ref _waiting) > 0 && Stopwatch.GetElapsedTime(_acquiredAt) >= _switchInterval)
        {
            Release();
            Thread.Yield(); // let a waiter in
            Acquire();
        }
    }
}
