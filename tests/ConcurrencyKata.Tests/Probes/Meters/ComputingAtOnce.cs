using System.Collections.Concurrent;
using System.Diagnostics;

namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// Sees, to a few microseconds, when each thread was computing the judge's own units, and for how
/// long two threads computed at the same instant. A unit computes in chunks of about
/// <see cref="Chunk"/> and reads the clock after each; a thread counts as computing from one reading
/// to the next only when they are at most <see cref="Gap"/> apart (a thread the scheduler took off
/// its core stays off while another thread computes there: threads confined to one core read
/// 0.000 ms at once in every round measured). On one core two threads never
/// compute at the same instant, so an overlap needs two cores at once. It is evidence of the
/// moment, not an average: on a machine whose cores are busy with other programs the moments
/// become rarer, not different, where CPU time over wall time cannot tell a starved parallel run
/// from a serial one.
/// </summary>
public sealed class ComputingAtOnce
{
    /// <summary>The computation between two readings of the clock: watched, 50 ms of computing took 51.8 ms against 50.8 ms unwatched (medians of 21 runs), about 2% more.</summary>
    public static readonly TimeSpan Chunk = TimeSpan.FromMicroseconds(2);

    /// <summary>Readings further apart than this mean the thread was off its core in between.</summary>
    public static readonly TimeSpan Gap = TimeSpan.FromMicroseconds(10);

    private static readonly long GapTicks = (long)(Gap.TotalSeconds * Stopwatch.Frequency);
    private static readonly Lazy<long> ChunkIterations = new(() => Math.Max(1, CpuWork.IterationsFor(Chunk)));

    private readonly ConcurrentDictionary<int, Lane> _lanes = new();

    /// <summary><see cref="CpuWork.Spin(long, ulong)"/>, the same answer, watched.</summary>
    public ulong Spin(long iterations, ulong seed)
    {
        var lane = _lanes.GetOrAdd(Environment.CurrentManagedThreadId, _ => new Lane());
        lane.Stamp(Stopwatch.GetTimestamp());
        return CpuWork.Spin(iterations, seed, ChunkIterations.Value, () => lane.Stamp(Stopwatch.GetTimestamp()));
    }

    /// <summary>Whether any unit was computed since the last <see cref="Reset"/>.</summary>
    public bool Watched => !_lanes.IsEmpty;

    /// <summary>How long at least two threads were computing at the same instant since the last <see cref="Reset"/>.</summary>
    public TimeSpan Together => Stopwatch.GetElapsedTime(0, Overlap.TicksWithAtLeast(_lanes.Values.SelectMany(l => l.Runs()), 2));

    /// <summary>How long the threads computed, each counted separately, since the last <see cref="Reset"/>.</summary>
    public TimeSpan Computing => Stopwatch.GetElapsedTime(0, _lanes.Values.SelectMany(l => l.Runs()).Sum(r => r.End - r.Start));

    public void Reset() => _lanes.Clear();

    /// <summary>One thread's runs of computing: stamped by that thread only, read once it is done.</summary>
    private sealed class Lane
    {
        private readonly List<(long Start, long End)> _runs = [];
        private long _start;
        private long _last;

        public void Stamp(long now)
        {
            if (now - _last > GapTicks)
            {
                lock (_runs)
                {
                    if (_last > _start)
                    {
                        _runs.Add((_start, _last));
                    }
                    _start = now;
                    _last = now;
                }
                return;
            }
            Volatile.Write(ref _last, now);
        }

        public List<(long Start, long End)> Runs()
        {
            lock (_runs)
            {
                var last = Volatile.Read(ref _last);
                return last > _start ? [.. _runs, (_start, last)] : [.. _runs];
            }
        }
    }
}
