using System.Diagnostics;

namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// Starts several threads so that they begin their work at the same instant. Each thread
/// checks in and then <em>spins</em> (it does not sleep) until all have checked in: the moment
/// the last one arrives, the others are already running and go at once, instead of waiting to
/// be woken one by one. On a shared two-core machine, woken threads start milliseconds apart
/// and short races never overlap; spinning threads start together. Bounded: a thread that
/// never arrives holds the others back for at most <see cref="Patience"/>.
/// </summary>
public static class SimultaneousStart
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(2);

    /// <summary>Runs <paramref name="work"/>(0 .. <paramref name="threads"/> - 1) on that many new background threads, started together; does not wait for them.</summary>
    public static IReadOnlyList<Thread> Run(int threads, Action<int> work, string name = "kata simultaneous start")
    {
        var arrived = 0;
        var started = new List<Thread>(threads);
        for (var t = 0; t < threads; t++)
        {
            var index = t;
            var thread = new Thread(() =>
            {
                Interlocked.Increment(ref arrived);
                var giveUp = Stopwatch.GetTimestamp() + (long)(Patience.TotalSeconds * Stopwatch.Frequency);
                while (Volatile.Read(ref arrived) < threads && Stopwatch.GetTimestamp() < giveUp)
                {
                    Thread.SpinWait(20);
                }
                work(index);
            })
            { IsBackground = true, Name = name };
            thread.Start();
            started.Add(thread);
        }
        return started;
    }
}
