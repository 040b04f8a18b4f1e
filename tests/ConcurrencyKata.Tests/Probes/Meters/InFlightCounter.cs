namespace ConcurrencyKata.Tests.Probes;

/// <summary>Counts operations in progress and remembers the peak. Lock-free.</summary>
public sealed class InFlightCounter
{
    private int _current;
    private int _max;
    private int _total;

    public int Current => Volatile.Read(ref _current);
    public int Max => Volatile.Read(ref _max);
    public int Total => Volatile.Read(ref _total);

    public Scope Enter()
    {
        Interlocked.Increment(ref _total);
        var now = Interlocked.Increment(ref _current);
        int seen;
        while (now > (seen = Volatile.Read(ref _max)) && Interlocked.CompareExchange(ref _max, now, seen) != seen)
        {
        }
        return new Scope(this);
    }

    private void Exit() => Interlocked.Decrement(ref _current);

    public readonly struct Scope(InFlightCounter owner) : IDisposable
    {
        public void Dispose() => owner?.Exit();
    }
}
