namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// Judges "ran in parallel" from physical evidence, relative to what the machine delivers at
/// that moment. The evidence is the process's CPU time over wall time during the work: one
/// core computing gives about 1.0, two at once up to 2.0. On a shared machine another process
/// may hold a core, so every attempt first <see cref="Calibrate">calibrates</see>: two raw
/// threads compute at once, and their ratio is what "parallel" looks like right now. An
/// attempt whose calibration shows no parallelism available proves nothing either way, and
/// is repeated; only a bounded number of attempts are made.
/// </summary>
public static class ParallelismProbe
{
    /// <summary>Below this, the machine gave us no second core during calibration: the attempt cannot judge.</summary>
    public const double UsableCalibration = 1.25;

    /// <summary>
    /// At or above this the work ran on two cores at once for a real part of the time. Serial
    /// work stays near 1.0 however busy the machine is (a process cannot use more CPU than it
    /// has threads computing); two threads sharing two cores with a third busy process get
    /// about 4/3.
    /// </summary>
    public const double ParallelRatio = 1.15;

    /// <summary>At or below this the work ran one core at a time.</summary>
    public const double SerialRatio = 1.08;

    public enum Verdict
    {
        Parallel,
        Serial,
        Inconclusive,
    }

    /// <summary>One attempt: the calibration's ratio and the work's reading.</summary>
    public readonly record struct Attempt(double Calibration, CpuMeter.Reading Work)
    {
        public Verdict Verdict => Calibration < UsableCalibration ? Verdict.Inconclusive
            : Work.Ratio >= ParallelRatio ? Verdict.Parallel
            : Work.Ratio <= SerialRatio ? Verdict.Serial
            : Verdict.Inconclusive;

        public override string ToString() => $"two raw threads reached {Calibration:0.00}; the work: {Work} → {Verdict.ToString().ToLowerInvariant()}";
    }

    /// <summary>The attempts made and the verdict they add up to.</summary>
    public sealed record Result(IReadOnlyList<Attempt> Attempts)
    {
        /// <summary>Parallel if any usable attempt showed it; serial if a usable attempt showed serial and none parallel; otherwise inconclusive.</summary>
        public Verdict Verdict => Attempts.Any(a => a.Verdict == Verdict.Parallel) ? Verdict.Parallel
            : Attempts.Any(a => a.Verdict == Verdict.Serial) ? Verdict.Serial
            : Verdict.Inconclusive;

        public override string ToString() => string.Join("\n", Attempts.Select((a, i) => $"attempt {i + 1}: {a}"));
    }

    /// <summary>
    /// What the machine delivers now: two raw threads each compute for <paramref name="perThread"/>
    /// at the same time; returns the process's CPU time over wall time for that span.
    /// </summary>
    public static double Calibrate(TimeSpan perThread)
    {
        var meter = CpuMeter.Start();
        var threads = Enumerable.Range(0, 2).Select(_ => new Thread(() => CpuWork.Burn(perThread)) { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join(TimeSpan.FromSeconds(30)));
        return meter.Read().Ratio;
    }

    /// <summary>Measures <paramref name="work"/>: the process's CPU time over wall time while it runs.</summary>
    public static CpuMeter.Reading Measure(Action work)
    {
        var meter = CpuMeter.Start();
        work();
        return meter.Read();
    }

    /// <summary>
    /// Calibrates and measures <paramref name="work"/> up to <paramref name="attempts"/> times,
    /// stopping at the first attempt that shows parallelism (or, with
    /// <paramref name="stopAtSerial"/>, at the first that shows serial work on a machine that
    /// could have run it in parallel).
    /// </summary>
    public static Result Judge(Action work, TimeSpan calibration, int attempts = 4, bool stopAtSerial = false)
    {
        var made = new List<Attempt>();
        for (var i = 0; i < attempts; i++)
        {
            var attempt = new Attempt(Calibrate(calibration), Measure(work));
            made.Add(attempt);
            if (attempt.Verdict == Verdict.Parallel || (stopAtSerial && attempt.Verdict == Verdict.Serial))
            {
                break;
            }
        }
        return new Result(made);
    }
}
