using System.Collections.Concurrent;
using System.Diagnostics;

namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// An event loop for tests: one dedicated thread runs everything posted to its
/// <see cref="SynchronizationContext"/>, like a UI thread or a single-threaded server. A
/// heartbeat, posted every <c>interval</c> from another thread, measures how long the loop
/// stayed unresponsive: blocking calls and inline computation show up as a large gap.
/// The loop thread is a background thread: even if code under test deadlocks it, it cannot
/// keep the test process alive.
/// </summary>
public sealed class SingleThreadLoop : IDisposable
{
    private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = [];
    private readonly Thread _loopThread;
    private readonly Thread _heartbeatThread;
    private readonly TimeSpan _interval;
    private readonly List<long> _beats = [];
    private readonly object _beatsGate = new();
    private volatile bool _stopping;

    public SingleThreadLoop(TimeSpan? heartbeatInterval = null)
    {
        _interval = heartbeatInterval ?? TimeSpan.FromMilliseconds(10);
        Context = new LoopContext(this);
        _loopThread = new Thread(RunLoop) { IsBackground = true, Name = "kata event loop" };
        _heartbeatThread = new Thread(RunHeartbeat) { IsBackground = true, Name = "kata heartbeat" };
        _loopThread.Start();
        _heartbeatThread.Start();
    }

    public SynchronizationContext Context { get; }

    public int ThreadId => _loopThread.ManagedThreadId;

    /// <summary>
    /// Calls <paramref name="start"/> on the loop thread, with the loop's context current, and
    /// returns a handle on the task it returned: whether that task was already complete the
    /// moment the call returned, and a task for its outcome that does not need the loop.
    /// </summary>
    public LoopCall<T> Start<T>(Func<Task<T>> start)
    {
        var call = new LoopCall<T>();
        Post(_ =>
        {
            Task<T> inner;
            try
            {
                inner = start();
            }
            catch (Exception e)
            {
                call.Returned(completed: true);
                call.Outcome.TrySetException(e);
                return;
            }
            call.Returned(inner.IsCompleted);
            inner.ContinueWith(
                t =>
                {
                    if (t.IsCanceled)
                    {
                        call.Outcome.TrySetCanceled();
                    }
                    else if (t.IsFaulted)
                    {
                        call.Outcome.TrySetException(t.Exception!.InnerExceptions);
                    }
                    else
                    {
                        call.Outcome.TrySetResult(t.Result);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }, null);
        return call;
    }

    /// <summary>Largest time between two heartbeats that the loop ran, within [fromTicks, now].</summary>
    public TimeSpan LargestGapSince(long fromTicks)
    {
        long[] beats;
        lock (_beatsGate)
        {
            beats = [.. _beats.Where(b => b >= fromTicks)];
        }
        var largest = 0L;
        var previous = fromTicks;
        foreach (var beat in beats)
        {
            largest = Math.Max(largest, beat - previous);
            previous = beat;
        }
        largest = Math.Max(largest, Stopwatch.GetTimestamp() - previous);
        return Stopwatch.GetElapsedTime(0, largest);
    }

    /// <summary>Number of heartbeats that ran on the loop at or after <paramref name="fromTicks"/>.</summary>
    public int BeatsSince(long fromTicks)
    {
        lock (_beatsGate)
        {
            return _beats.Count(b => b >= fromTicks);
        }
    }

    /// <summary>Runs <paramref name="action"/> on the loop and waits for it (bounded).</summary>
    public bool Invoke(Action action, TimeSpan timeout)
    {
        using var done = new ManualResetEventSlim();
        Post(_ =>
        {
            try
            {
                action();
            }
            finally
            {
                done.Set();
            }
        }, null);
        return done.Wait(timeout);
    }

    private void Post(SendOrPostCallback callback, object? state)
    {
        if (!_queue.IsAddingCompleted)
        {
            try
            {
                _queue.Add((callback, state));
            }
            catch (InvalidOperationException)
            {
                // the loop is shutting down: late continuations are dropped
            }
        }
    }

    private void RunLoop()
    {
        SynchronizationContext.SetSynchronizationContext(Context);
        foreach (var (callback, state) in _queue.GetConsumingEnumerable())
        {
            try
            {
                callback(state);
            }
            catch (Exception)
            {
                // an exception escaping a posted callback would kill the loop; the test sees the
                // failure through the task it awaits instead
            }
        }
    }

    private void RunHeartbeat()
    {
        while (!_stopping)
        {
            Thread.Sleep(_interval);
            Post(_ =>
            {
                var now = Stopwatch.GetTimestamp();
                lock (_beatsGate)
                {
                    _beats.Add(now);
                }
            }, null);
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _queue.CompleteAdding();
    }

    private sealed class LoopContext(SingleThreadLoop loop) : SynchronizationContext
    {
        public override void Post(SendOrPostCallback d, object? state) => loop.Post(d, state);

        public override void Send(SendOrPostCallback d, object? state)
        {
            if (Environment.CurrentManagedThreadId == loop.ThreadId)
            {
                d(state);
                return;
            }
            using var done = new ManualResetEventSlim();
            loop.Post(s =>
            {
                try
                {
                    d(s);
                }
                finally
                {
                    done.Set();
                }
            }, state);
            done.Wait();
        }

        public override SynchronizationContext CreateCopy() => this;
    }
}

/// <summary>A call made on a <see cref="SingleThreadLoop"/>.</summary>
public sealed class LoopCall<T>
{
    private readonly ManualResetEventSlim _returned = new();
    private int _completedAtReturn = -1;

    internal TaskCompletionSource<T> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the outcome of the task the call returned; never needs the loop.</summary>
    public Task<T> Task => Outcome.Task;

    /// <summary>
    /// Whether the task was already complete when the call returned; null if the call has not
    /// returned within <paramref name="timeout"/> (it is blocking the loop).
    /// </summary>
    public bool? WasCompleteOnReturn(TimeSpan timeout)
        => _returned.Wait(timeout) ? Volatile.Read(ref _completedAtReturn) == 1 : null;

    internal void Returned(bool completed)
    {
        Volatile.Write(ref _completedAtReturn, completed ? 1 : 0);
        _returned.Set();
    }
}
