// Mistake: Tick does nothing: the lock changes hands only when its holder blocks or ends, so CPU-bound programs run one after the other.
// Caught by: The_holder_keeps_the_lock_for_the_switch_interval_before_handing_it_on
using System.Diagnostics;

namespace ConcurrencyKata;

public sealed class GlobalInterpreterLock : IGlobalInterpreterLock
{
    private readonly object _gate = new();
    private bool _held;
    private Thread? _owner;

    public GlobalInterpreterLock(TimeSpan switchInterval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(switchInterval, TimeSpan.Zero);
    }

    public void Acquire()
    {
        lock (_gate)
        {
            while (_held)
            {
                Monitor.Wait(_gate);
            }
            _held = true;
            _owner = Thread.CurrentThread;
        }
    }

    public void Release()
    {
        lock (_gate)
        {
            if (_owner != Thread.CurrentThread)
            {
                throw new SynchronizationLockException("Release by a thread that does not hold the lock.");
            }
            _held = false;
            _owner = null;
            Monitor.PulseAll(_gate);
        }
    }

    public void Tick()
    {
        // the holder keeps computing: it gives the lock up when it blocks or ends
    }
}
