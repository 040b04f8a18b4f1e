using System.Diagnostics;
using System.Globalization;

namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// How often each of a fixed set of items (by index) was touched by the code under test, and where
/// and when its first two touches were: the thread and the moment, in milliseconds since the log
/// was made. With it a shared-state check says which item was done twice, on which two threads, at
/// about which moment ("on T5 at 3.21 ms and on T7 at 3.22 ms"). A touch costs one interlocked
/// increment and, for the first two, a timestamp.
/// </summary>
public sealed class TouchLog
{
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly int[] _touches;
    private readonly (int Thread, long At)[] _first, _second;

    public TouchLog(int count)
    {
        _touches = new int[count];
        _first = new (int, long)[count];
        _second = new (int, long)[count];
    }

    /// <summary>Counts a touch of item <paramref name="index"/>, on the calling thread, now; returns how many it has had.</summary>
    public int Touch(int index)
    {
        var nth = Interlocked.Increment(ref _touches[index]);
        if (nth <= 2)
        {
            (nth == 1 ? _first : _second)[index] = Now();
        }
        return nth;
    }

    /// <summary>How many times item <paramref name="index"/> has been touched.</summary>
    public int Touches(int index) => Volatile.Read(ref _touches[index]);

    /// <summary>The calling thread and the present moment, for <see cref="Moment"/>.</summary>
    public static (int Thread, long At) Now() => (Environment.CurrentManagedThreadId, Stopwatch.GetTimestamp());

    /// <summary>"on T5 at 3.21 ms": a thread and a moment (from <see cref="Now"/>) as a failure message says them.</summary>
    public string Moment((int Thread, long At) when)
        => string.Create(CultureInfo.InvariantCulture, $"on T{when.Thread} at {(when.At - _start) * 1000.0 / Stopwatch.Frequency:0.00} ms");

    /// <summary>"on T5 at 3.21 ms and on T7 at 3.22 ms": where and when item <paramref name="index"/>'s first two touches were; empty when it had fewer than two.</summary>
    public string FirstTwo(int index) => Touches(index) > 1 ? $"{Moment(_first[index])} and {Moment(_second[index])}" : "";

    /// <summary>Whether item <paramref name="index"/>'s first two touches were on two different threads.</summary>
    public bool OnTwoThreads(int index) => Touches(index) > 1 && _first[index].Thread != _second[index].Thread;
}
