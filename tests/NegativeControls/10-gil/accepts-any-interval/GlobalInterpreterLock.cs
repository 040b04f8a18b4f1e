// Mistake: a switch interval of zero or less is accepted (and then every tick hands over) instead of rejected.
// Caught by: A_switch_interval_that_is_not_positive_is_rejected
using System.Diagnostics;

namespace ConcurrencyKata;

public sealed class GlobalInterpreterLock : IGlobalInterpreterLock
{
    private readonly object _gate = new();
    private readonly long _switchTicks;
    private long _nextTicket;   // the ticket the next Acquire draws
    private long _nowServing;   // the ticket that may hold the lock
    private Thread? _owner;
    private long _acquiredAt;

    public GlobalInterpreterLock(TimeSpan switchInterval)
    {
        _switchTicks = Math.Max(1, (long)(switchInterval.TotalSeconds * Stopwatch.Frequency));
    }

    public void Acquire()
    {
        lock (_gate)
        {
            WaitForTurn();
        }
    }

    public void Release()
    {
        lock (_gate)
        {
            EnsureOwner(nameof(Release));
            ServeNext();
        }
    }

    public void Tick()
    {
        lock (_gate)
        {
            EnsureOwner(nameof(Tick));
            var someoneWaits = _nextTicket - _nowServing > 1;
            if (!someoneWaits || Stopwatch.GetTimestamp() - _acquiredAt < _switchTicks)
            {
                return; // keep it: nothing to hand over, or the holder's time is not up yet
            }
            ServeNext();   // the longest waiter goes next...
            WaitForTurn(); // ...and the holder queues up behind everyone already waiting
        }
    }

    /// <summary>Draws a ticket and sleeps until it is served. Called holding _gate.</summary>
    private void WaitForTurn()
    {
        var ticket = _nextTicket++;
        while (ticket != _nowServing)
        {
            Monitor.Wait(_gate); // releases _gate while asleep: no CPU spent waiting
        }
        _owner = Thread.CurrentThread;
        _acquiredAt = Stopwatch.GetTimestamp();
    }

    /// <summary>Gives up the lock and wakes the waiters: the one whose ticket is next takes it.</summary>
    private void ServeNext()
    {
        _owner = null;
        _nowServing++;
        Monitor.PulseAll(_gate);
    }

    private void EnsureOwner(string call)
    {
        if (_owner != Thread.CurrentThread)
        {
            throw new SynchronizationLockException($"{call} was called by a thread that does not hold the global interpreter lock.");
        }
    }
}
