using System.Diagnostics;

namespace ConcurrencyKata.Tests.Ex08;

/// <summary>
/// Tells "transfers between different accounts ran at the same instant" from "they took turns",
/// whatever the lock is (a <c>lock</c>, <c>Monitor.TryEnter</c>, a <c>SemaphoreSlim</c>, a spin
/// lock, no lock at all), without any hook in the code under test. Each of three threads
/// transfers back and forth within a pair of accounts of its own and counts its transfers per
/// 100 µs bucket of time (the clock is read every 16 transfers). One thread alone shows how many
/// one thread does in a bucket at full speed. With one lock for everything only one transfer is
/// inside it at any instant, so the threads together can never do much more in a bucket than one
/// thread alone, whoever waits, spins or sleeps. With a lock per account, whenever the machine
/// runs two of them at once, a bucket holds about twice as many. Only those stretches count,
/// so a busy machine makes them rarer but not different: no overall throughput is compared.
/// Plain threads without any lock are measured the same way in each round: a round in which
/// even they never ran at once proves nothing.
/// </summary>
public static class DisjointPairsProbe
{
    public const double BucketMicroseconds = 100;

    /// <summary>A bucket counts as "at once" when the threads together did this many times one thread's top rate.</summary>
    public const double ParallelFactor = 1.5;

    /// <summary>This many such buckets (1 ms in all) prove that the pairs did not take turns.</summary>
    public const int BucketsNeeded = 10;

    private const int Batch = 16;

    /// <summary>The threads' CPU time over wall time at which two of them were surely on cores at once for a real part of a round.</summary>
    public const double OnCoresTogether = 1.3;

    /// <summary>Threads (each with a pair of its own) that run at once: more than two cores' worth, so that on a busy machine two of them still often share no core.</summary>
    public const int Pairs = 3;

    public sealed record Attempt(double SoloRate, int Buckets, int ParallelBuckets, double BestRatio, double MedianRatio, long[] Transfers, double CpuRatio)
    {
        public bool Parallel => ParallelBuckets >= BucketsNeeded;

        public override string ToString()
            => $"one thread alone: {SoloRate:0} transfers per {BucketMicroseconds:0} µs; three pairs at once: {ParallelBuckets} of {Buckets} buckets at ≥ {ParallelFactor:0.0}× that " +
               $"(best {BestRatio:0.00}×, median of the busiest tenth {MedianRatio:0.00}×); transfers per thread {string.Join(" / ", Transfers.Select(t => t.ToString("N0")))}; " +
               $"the threads' CPU time {CpuRatio:0.00}× the wall time";
    }

    /// <summary>What one attempt shows.</summary>
    public enum Verdict
    {
        /// <summary>The pairs' transfers ran at the same instant.</summary>
        Parallel,

        /// <summary>The machine ran two plain threads at once, but the pairs' transfers took turns.</summary>
        Serial,

        /// <summary>The machine did not run two threads at once even without any lock: proves nothing.</summary>
        Inconclusive,
    }

    /// <summary>One attempt: plain threads computing (what the machine lends right now), then the transfers.</summary>
    public sealed record Round(Attempt Plain, Attempt Transfers)
    {
        public Verdict Verdict => Transfers.Parallel ? Verdict.Parallel
            : Plain.Parallel || TookTurnsOnCores ? Verdict.Serial
            : Verdict.Inconclusive;

        /// <summary>
        /// The transfer threads were on cores at the same time for a real part of the round (their
        /// CPU time adds up to well over the wall time: they spun, waiting) and still never went
        /// faster together than one alone. Code with a lock per account cannot show this: two
        /// threads on cores at once both go at full speed.
        /// </summary>
        public bool TookTurnsOnCores => !Transfers.Parallel && Transfers.CpuRatio >= OnCoresTogether;

        public override string ToString()
            => $"{Verdict.ToString().ToLowerInvariant()}: transfers: {Transfers}\n    (plain threads without any lock, for comparison: {Plain.ParallelBuckets} of {Plain.Buckets} buckets at ≥ {ParallelFactor:0.0}×)";
    }

    /// <summary>
    /// Up to <paramref name="attempts"/> rounds, stopping at the first that shows the pairs ran at
    /// once, or at the <paramref name="serialNeeded"/>th that shows they took turns while plain
    /// threads did not. Each measurement: one thread alone, the pairs at once, one thread alone
    /// again (the rate is the larger of the two solo runs, so code that got faster halfway, as
    /// the JIT recompiles it, cannot fake a speed-up).
    /// </summary>
    public static IReadOnlyList<Round> Judge(Scenario scenario, int attempts, int serialNeeded, TimeSpan together, TimeSpan alone, Func<BankAccount, BankAccount, decimal, bool> transfer)
    {
        var made = new List<Round>();
        // warm up: the first calls run unoptimised code
        RunPairs(scenario, 1, TimeSpan.FromMilliseconds(60), transfer);
        RunPairs(scenario, 1, TimeSpan.FromMilliseconds(20), Plain);
        for (var i = 0; i < attempts && !scenario.Abort.IsCancellationRequested; i++)
        {
            var plain = Measure(scenario, together, alone, Plain);
            var work = Measure(scenario, together, alone, transfer);
            if (plain is null || work is null)
            {
                break;
            }
            made.Add(new Round(plain, work));
            if (made[^1].Verdict == Verdict.Parallel || made.Count(r => r.Verdict == Verdict.Serial) >= serialNeeded || made.Count(r => r.TookTurnsOnCores) >= 2)
            {
                break;
            }
        }
        return made;
    }

    /// <summary>Work of about a transfer's size that shares nothing with any other thread.</summary>
    private static bool Plain(BankAccount x, BankAccount y, decimal amount)
    {
        var d = amount;
        for (var i = 0; i < 3; i++)
        {
            d = d * 1.0001m + 0.5m;
        }
        return d > 0;
    }

    private static Attempt? Measure(Scenario scenario, TimeSpan together, TimeSpan alone, Func<BankAccount, BankAccount, decimal, bool> step)
    {
        var before = RunPairs(scenario, 1, alone, step);
        var both = RunPairs(scenario, Pairs, together, step);
        var after = RunPairs(scenario, 1, alone, step);
        return before is null || both is null || after is null ? null : Evaluate(Math.Max(SoloRate(before.Value.Counts[0]), SoloRate(after.Value.Counts[0])), both.Value.Counts, both.Value.CpuRatio);
    }

    private static double SoloRate(int[] buckets)
    {
        // the fullest bucket: one thread's top speed while it had a core to itself. Taking the top (not a
        // typical bucket) errs against the code under test: it can only make "twice as fast" harder to reach
        var inner = buckets.Skip(1).SkipLast(1).ToList();
        return inner.Count == 0 || inner.Max() == 0 ? double.NaN : inner.Max();
    }

    private static Attempt Evaluate(double solo, int[][] both, double cpuRatio)
    {
        var n = both[0].Length;
        var ratios = new List<double>();
        for (var b = 1; b < n - 1; b++)
        {
            var sum = both.Sum(t => t[b]);
            if (sum > 0)
            {
                ratios.Add(sum / solo);
            }
        }
        ratios.Sort();
        var busiest = ratios.Skip(ratios.Count - Math.Max(1, ratios.Count / 10)).ToList();
        return new Attempt(
            solo,
            ratios.Count,
            ratios.Count(r => r >= ParallelFactor),
            ratios.Count == 0 ? 0 : ratios[^1],
            busiest.Count == 0 ? 0 : busiest[busiest.Count / 2],
            both.Select(t => (long)t.Sum()).ToArray(),
            cpuRatio);
    }

    /// <summary>
    /// <paramref name="threads"/> threads, each moving 1 back and forth between two accounts of its
    /// own for <paramref name="duration"/>; returns each thread's transfers per bucket, or null
    /// when a thread did not finish in time (the other checks say why).
    /// </summary>
    private static (int[][] Counts, double CpuRatio)? RunPairs(Scenario scenario, int threads, TimeSpan duration, Func<BankAccount, BankAccount, decimal, bool> transfer)
    {
        var bucketTicks = (long)(Stopwatch.Frequency * BucketMicroseconds / 1_000_000);
        var buckets = (int)(duration.TotalSeconds * Stopwatch.Frequency / bucketTicks);
        var counts = Enumerable.Range(0, threads).Select(_ => new int[buckets]).ToArray();
        var keepApart = new List<object>();
        var pairs = Enumerable.Range(0, threads).Select(_ =>
        {
            // padding between accounts so that no two pairs share a cache line
            keepApart.Add(new byte[256]);
            var x = new BankAccount(1_000_000m);
            keepApart.Add(new byte[256]);
            var y = new BankAccount(1_000_000m);
            return (x, y);
        }).ToArray();
        var origin = 0L;
        var arrived = 0;
        var cpu = new double[threads];
        Exception? error = null;
        var started = SimultaneousStart.Run(threads, i =>
        {
            if (Interlocked.Increment(ref arrived) == 1)
            {
                Volatile.Write(ref origin, Stopwatch.GetTimestamp());
            }
            var (x, y) = pairs[i];
            var mine = counts[i];
            SpinWait.SpinUntil(() => Volatile.Read(ref origin) != 0);
            var start = Volatile.Read(ref origin);
            var cpuAtStart = CpuMeter.ThreadCpuTime();
            try
            {
                while (!scenario.Abort.IsCancellationRequested)
                {
                    for (var k = 0; k < Batch / 2; k++)
                    {
                        transfer(x, y, 1m);
                        transfer(y, x, 1m);
                    }
                    var bucket = (Stopwatch.GetTimestamp() - start) / bucketTicks;
                    if (bucket >= buckets)
                    {
                        break;
                    }
                    mine[bucket] += Batch;
                }
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref error, e, null);
            }
            cpu[i] = (CpuMeter.ThreadCpuTime() - cpuAtStart)?.TotalMilliseconds ?? 0;
        }, "kata disjoint pair");
        var until = Stopwatch.GetTimestamp() + (long)((duration + TimeSpan.FromSeconds(3)).TotalSeconds * Stopwatch.Frequency);
        foreach (var thread in started)
        {
            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), until);
            if (!thread.Join(left > TimeSpan.Zero ? left : TimeSpan.Zero))
            {
                return null;
            }
        }
        GC.KeepAlive(keepApart);
        if (error is not null)
        {
            throw error;
        }
        return (counts, cpu.Sum() / duration.TotalMilliseconds);
    }
}
