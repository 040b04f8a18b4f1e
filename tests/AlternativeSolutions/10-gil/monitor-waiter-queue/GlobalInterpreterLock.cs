// Approach: a Monitor with a FIFO queue of waiter objects: each waiter sleeps in Monitor.Wait on its own object until it is granted the lock; the holder grants it to the head of the queue.
using System.Diagnostics;

namespace ConcurrencyKata;

public sealed class GlobalInterpreterLock : IGlobalInterpreterLock
{
    private sealed class Waiter
    {
        public bool Granted;
    }

    private readonly object _gate = new();
    private readonly TimeSpan _switchInterval;
    private readonly LinkedList<Waiter> _queue = new();
    private Thread? _owner;
    private bool _held;
    private long _acquiredAt;

    public GlobalInterpreterLock(TimeSpan switchInterval)
    {
        if (switchInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(switchInterval), switchInterval, "The switch interval must be positive.");
        }
        _switchInterval = switchInterval;
    }

    public void Acquire()
    {
        Waiter me;
        lock (_gate)
        {
            if (!_held)
            {
                Own();
                return;
            }
            me = new Waiter();
            _queue.AddLast(me);
        }
        WaitUntilGranted(me);
    }

    public void Release()
    {
        lock (_gate)
        {
            CheckOwner();
            GrantNext();
        }
    }

    public void Tick()
    {
        Waiter me;
        lock (_gate)
        {
            CheckOwner();
            if (_queue.Count == 0 || Stopwatch.GetElapsedTime(_acquiredAt) < _switchInterval)
            {
                return;
            }
            me = new Waiter();
            GrantNext();
            _queue.AddLast(me);
        }
        WaitUntilGranted(me);
    }

    private void WaitUntilGranted(Waiter me)
    {
        lock (me)
        {
            while (!me.Granted)
            {
                Monitor.Wait(me);
            }
        }
        lock (_gate)
        {
            Own();
        }
    }

    /// <summary>Called holding _gate. The lock stays held (reserved) for the waiter granted it, so nobody can barge in.</summary>
    private void GrantNext()
    {
        _owner = null;
        if (_queue.First is not { } first)
        {
            _held = false;
            return;
        }
        _queue.RemoveFirst();
        lock (first.Value)
        {
            first.Value.Granted = true;
            Monitor.Pulse(first.Value);
        }
    }

    private void Own()
    {
        _held = true;
        _owner = Thread.CurrentThread;
        _acquiredAt = Stopwatch.GetTimestamp();
    }

    private void CheckOwner()
    {
        if (_owner != Thread.CurrentThread)
        {
            throw new SynchronizationLockException("Only the thread that holds the global interpreter lock may release it or tick.");
        }
    }
}
