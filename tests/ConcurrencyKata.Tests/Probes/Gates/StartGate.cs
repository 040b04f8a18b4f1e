namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// Lets the test prove overlap without a clock: each participant checks in and then waits
/// until the test opens the gate. If the code under test waits for one operation before
/// starting the next, only one ever checks in, every time.
/// </summary>
public sealed class StartGate(int expected)
{
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ManualResetEventSlim _allArrived = new(expected <= 0);
    private int _arrived;

    public int Expected { get; } = expected;

    /// <summary>How many participants have checked in so far.</summary>
    public int Arrived => Volatile.Read(ref _arrived);

    /// <summary>Checks in, then waits for the gate to open (or for the token).</summary>
    public Task ArriveAndWaitAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _arrived) >= Expected)
        {
            _allArrived.Set();
        }
        return _opened.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Checks in, then blocks the calling thread until the gate opens: for code that runs work on
    /// threads of its own (a worker, a pool, a lock holder) rather than awaiting. Returns false
    /// when <paramref name="timeout"/> passed first; throws <see cref="OperationCanceledException"/>
    /// when <paramref name="cancellationToken"/> (the scenario's kill switch, say) fires.
    /// </summary>
    public bool ArriveAndWait(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _arrived) >= Expected)
        {
            _allArrived.Set();
        }
        try
        {
            return _opened.Task.Wait(timeout, cancellationToken);
        }
        catch (AggregateException e) when (e.InnerException is OperationCanceledException oce)
        {
            throw oce;
        }
    }

    /// <summary>
    /// Blocks the test thread (never a pool thread's job) until every participant has checked
    /// in, or the timeout passes. Returns whether all arrived.
    /// </summary>
    public bool WaitForAll(TimeSpan timeout) => _allArrived.Wait(timeout);

    public void Open() => _opened.TrySetResult();
}
