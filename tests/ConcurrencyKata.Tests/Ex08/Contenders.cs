using System.Diagnostics;

namespace ConcurrencyKata.Tests.Ex08;

/// <summary>
/// Threads that hammer the code under test at the same time, for a fixed stretch of time rather
/// than a fixed count: a count that fits in one time slice never overlaps on a busy machine.
/// They start together (each spins until all have arrived, <see cref="SimultaneousStart"/>), are
/// background threads, and are abandoned when they do not finish in time: a deadlocked run
/// fails instead of hanging the test run.
/// </summary>
public sealed class Contenders
{
    private readonly IReadOnlyList<Thread> _threads;
    private readonly long[] _progress;
    private readonly Exception?[] _errors;
    private readonly string[] _names;
    private readonly int?[] _kernelIds;

    private Contenders(IReadOnlyList<Thread> threads, long[] progress, Exception?[] errors, string[] names, int?[] kernelIds)
        => (_threads, _progress, _errors, _names, _kernelIds) = (threads, progress, errors, names, kernelIds);

    /// <summary>
    /// Starts one thread per entry of <paramref name="names"/>; thread i calls
    /// <paramref name="step"/>(i) over and over for <paramref name="duration"/>, and stops at the
    /// first exception. Each thread's span goes on <paramref name="scenario"/>'s timeline.
    /// </summary>
    public static Contenders Start(Scenario scenario, TimeSpan duration, IReadOnlyList<string> names, Action<int> step)
    {
        var progress = new long[names.Count];
        var errors = new Exception?[names.Count];
        var kernelIds = new int?[names.Count];
        var ticks = (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var threads = SimultaneousStart.Run(names.Count, i =>
        {
            using var span = scenario.Spans.Begin(names[i], busy: true);
            kernelIds[i] = NativeThread.CurrentId();
            var until = Stopwatch.GetTimestamp() + ticks;
            try
            {
                while (Stopwatch.GetTimestamp() < until && !scenario.Abort.IsCancellationRequested)
                {
                    for (var k = 0; k < 16; k++)
                    {
                        step(i);
                    }
                    Volatile.Write(ref progress[i], progress[i] + 16);
                }
            }
            catch (Exception e)
            {
                errors[i] = e;
            }
        }, "kata contender");
        return new Contenders(threads, progress, errors, [.. names], kernelIds);
    }

    /// <summary>How many steps thread <paramref name="i"/> has completed (in multiples of 16).</summary>
    public long Progress(int i) => Volatile.Read(ref _progress[i]);

    public long TotalSteps => Enumerable.Range(0, _progress.Length).Sum(Progress);

    /// <summary>
    /// Waits (bounded) for every thread. Returns null when all finished; otherwise a description
    /// of the ones still running and whether they were still making progress (a deadlock makes none).
    /// </summary>
    public string? Join(TimeSpan timeout)
    {
        var until = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        foreach (var thread in _threads)
        {
            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), until);
            thread.Join(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }
        if (_threads.All(t => !t.IsAlive))
        {
            return null;
        }
        var before = Enumerable.Range(0, _threads.Count).Select(Progress).ToArray();
        var readyBefore = _kernelIds.Select(id => id is { } k ? NativeThread.RunnableTime(k) : null).ToArray();
        Thread.Sleep(Watch);
        var stuck = Enumerable.Range(0, _threads.Count)
            .Where(i => _threads[i].IsAlive)
            .Select(i => $"{_names[i]}: {Progress(i):N0} steps done, " +
                         (Progress(i) == before[i] ? $"no progress at all in the last {Watch.TotalMilliseconds:0} ms" : $"{Progress(i) - before[i]:N0} more in the last {Watch.TotalMilliseconds:0} ms") +
                         State(readyBefore[i], _kernelIds[i] is { } k ? NativeThread.RunnableTime(k) : null));
        return string.Join("; ", stuck);
    }

    /// <summary>How long <see cref="Join"/> watches the threads still running, once their time is up.</summary>
    private static readonly TimeSpan Watch = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// What a thread that is still running did while it was watched, from the time the kernel had it
    /// ready to run (on a core or queued for one): almost none is a thread asleep, blocked on
    /// something (a lock held by another thread, most likely); almost all is a thread spinning or
    /// looping. Empty off Linux, where the probes cannot read it.
    /// </summary>
    internal static string State(TimeSpan? readyBefore, TimeSpan? readyAfter)
    {
        if (readyBefore is not { } from || readyAfter is not { } to)
        {
            return "";
        }
        var ready = to - from;
        return ready < Watch * 0.1
            ? $", asleep: blocked for the whole {Watch.TotalMilliseconds:0} ms ({ready.TotalMilliseconds:0} ms ready to run), waiting for something that never came"
            : ready > Watch * 0.8
                ? $", never asleep: ready to run for {ready.TotalMilliseconds:0} of those {Watch.TotalMilliseconds:0} ms (spinning or looping)"
                : $", ready to run for {ready.TotalMilliseconds:0} of those {Watch.TotalMilliseconds:0} ms";
    }

    /// <summary>The first exception a thread stopped at, with the thread's name.</summary>
    public (string Thread, Exception Error)? FirstError
        => Enumerable.Range(0, _errors.Length).Where(i => _errors[i] is not null).Select(i => ((string, Exception)?)(_names[i], _errors[i]!)).FirstOrDefault();
}
