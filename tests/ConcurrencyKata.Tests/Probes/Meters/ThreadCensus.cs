using System.Diagnostics;

namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// Counts threads that are held, not whether the pool happens to run out: thread-pool threads
/// busy inside a work item (a pool thread blocked on <c>.Result</c> is busy), and threads outside
/// the pool (a <c>new Thread</c> or a long-running task parked on a wait). Sampled over a window
/// and reduced to the minimum, so only threads held for the whole window count: a continuation
/// that runs for a moment does not.
/// </summary>
public static class ThreadCensus
{
    /// <summary>
    /// Threads outside the pool that may come and go by themselves (the runtime starts a few of
    /// its own: the JIT's background compiler, the GC, timers). More than this held is the code's.
    /// </summary>
    public const int OtherThreadsTolerated = 2;

    public readonly record struct Count(int BusyPoolThreads, int OtherThreads)
    {
        /// <summary>Threads held now that were not held at <paramref name="before"/>.</summary>
        public Count Minus(Count before) => new(Math.Max(0, BusyPoolThreads - before.BusyPoolThreads), Math.Max(0, OtherThreads - before.OtherThreads));

        public override string ToString() => $"{BusyPoolThreads} thread-pool thread(s) busy and {OtherThreads} other thread(s)";
    }

    /// <summary>One reading, now.</summary>
    public static Count Now()
    {
        ThreadPool.GetMaxThreads(out var maxWorkers, out _);
        ThreadPool.GetAvailableThreads(out var availableWorkers, out _);
        using var process = Process.GetCurrentProcess();
        var all = process.Threads.Count;
        return new Count(maxWorkers - availableWorkers, all - ThreadPool.ThreadCount);
    }

    /// <summary>The fewest threads held at any sample over <paramref name="window"/>: what stayed held throughout.</summary>
    public static Count HeldThroughout(TimeSpan window)
    {
        var until = Stopwatch.GetTimestamp() + (long)(window.TotalSeconds * Stopwatch.Frequency);
        var least = Now();
        while (Stopwatch.GetTimestamp() < until)
        {
            Thread.Sleep(15);
            var now = Now();
            least = new Count(Math.Min(least.BusyPoolThreads, now.BusyPoolThreads), Math.Min(least.OtherThreads, now.OtherThreads));
        }
        return least;
    }
}
