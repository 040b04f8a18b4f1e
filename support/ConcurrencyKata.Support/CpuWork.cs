using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace ConcurrencyKata;

/// <summary>
/// Deterministic, allocation-free busy work: it keeps one core computing and nothing else.
/// Use it wherever an exercise needs "real computation" rather than waiting.
/// </summary>
public static class CpuWork
{
    private static readonly Lazy<double> _iterationsPerMillisecond = new(Calibrate);

    /// <summary>
    /// Mixes <paramref name="seed"/> for <paramref name="iterations"/> rounds and returns the
    /// result. The same inputs always give the same answer, on every machine.
    /// </summary>
    /// <remarks>
    /// Its loop is compiled fully optimised from the first call: otherwise the calibration would measure the
    /// JIT's quick first draft, and "200 ms of work" would later take well under 200 ms.
    /// </remarks>
    public static ulong Spin(long iterations, ulong seed = 0x9E3779B97F4A7C15UL)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        return Mix(seed | 1UL, iterations);
    }

    /// <summary>
    /// The same computation and the same answer as <see cref="Spin(long, ulong)"/>, in chunks of
    /// <paramref name="chunk"/> iterations, calling <paramref name="afterEachChunk"/> after each:
    /// for a probe that watches when the computation makes progress.
    /// </summary>
    public static ulong Spin(long iterations, ulong seed, long chunk, Action afterEachChunk)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunk, 1);
        ArgumentNullException.ThrowIfNull(afterEachChunk);
        var x = seed | 1UL;
        for (var left = iterations; left > 0; left -= chunk)
        {
            x = Mix(x, Math.Min(chunk, left));
            afterEachChunk();
        }
        return x;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ulong Mix(ulong x, long iterations)
    {
        for (long i = 0; i < iterations; i++)
        {
            // xorshift64* : cheap, branch-free, impossible for the JIT to fold away.
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            x *= 0x2545F4914F6CDD1DUL;
        }
        return x;
    }

    /// <summary>
    /// How many <see cref="Spin"/> iterations take about <paramref name="duration"/> of CPU time on
    /// this machine (measured once per process, best of several runs).
    /// </summary>
    public static long IterationsFor(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        return (long)Math.Ceiling(duration.TotalMilliseconds * _iterationsPerMillisecond.Value);
    }

    /// <summary>Keeps the calling thread computing for about <paramref name="duration"/>.</summary>
    public static ulong Burn(TimeSpan duration, ulong seed = 0x9E3779B97F4A7C15UL)
        => Spin(IterationsFor(duration), seed);

    /// <remarks>
    /// Many short runs, and the fastest counts: a run the scheduler interrupted took longer than
    /// its computation, and on a busy machine most runs of a longer probe would be interrupted,
    /// making every later "200 ms of work" far shorter than 200 ms of CPU.
    /// </remarks>
    private static double Calibrate()
    {
        const long probe = 200_000;
        Spin(probe * 2); // let the JIT settle before measuring
        var best = double.MaxValue;
        for (var run = 0; run < 30; run++)
        {
            var start = Stopwatch.GetTimestamp();
            Spin(probe);
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        return probe / Math.Max(best, 0.001);
    }
}
