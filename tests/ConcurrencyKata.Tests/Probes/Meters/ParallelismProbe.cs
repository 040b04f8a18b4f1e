namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// Judges "ran in parallel" from physical evidence, relative to what the machine delivers at
/// that moment. The evidence is the process's CPU time over wall time during the work: one
/// core computing gives about 1.0, two at once up to 2.0. On a shared machine another process
/// may hold a core, so every attempt is bracketed by <see cref="Calibrate">calibrations</see>:
/// two raw threads compute at once, right before and right after the work, and their ratio is
/// what "parallel" looks like at that moment. An attempt is usable only when both brackets show
/// a second core: on a shared machine the second core comes and goes, and one calibration
/// before the work once showed 1.30 while the work that followed got a single core (1.06). An
/// attempt that is not usable proves nothing either way, and is repeated; only a bounded number
/// of attempts are made. One calibration closes an attempt and opens the next.
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

    /// <summary>One attempt: the calibrations right before and right after the work, and the work's reading.</summary>
    public readonly record struct Attempt(double CalibrationBefore, CpuMeter.Reading Work, double CalibrationAfter)
    {
        /// <summary>What the machine surely lent during the attempt: the lower of its two brackets.</summary>
        public double Calibration => Math.Min(CalibrationBefore, CalibrationAfter);

        /// <summary>
        /// Parallel when the work itself shows it (a process cannot use more CPU than wall time
        /// without two threads computing at once, whatever the calibrations said); serial only
        /// when both calibrations show a second core was free and the work did not use it.
        /// </summary>
        public Verdict Verdict => Work.Ratio >= ParallelRatio ? Verdict.Parallel
            : Calibration < UsableCalibration ? Verdict.Inconclusive
            : Work.Ratio <= SerialRatio ? Verdict.Serial
            : Verdict.Inconclusive;

        public override string ToString() => $"two raw threads reached {CalibrationBefore:0.00} before and {CalibrationAfter:0.00} after; the work: {Work} → {Verdict.ToString().ToLowerInvariant()}";
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
    public static double Calibrate(TimeSpan perThread) => ParallelSpeedup.Calibrate(perThread).Ratio;

    /// <summary>Measures <paramref name="work"/>: the process's CPU time over wall time while it runs.</summary>
    public static CpuMeter.Reading Measure(Action work)
    {
        var meter = CpuMeter.Start();
        work();
        return meter.Read();
    }

    /// <summary>
    /// Measures <paramref name="work"/> between calibrations up to <paramref name="attempts"/> times,
    /// stopping at the first attempt that shows parallelism (or, with
    /// <paramref name="stopAtSerial"/>, at the first that shows serial work on a machine that
    /// could have run it in parallel).
    /// </summary>
    public static Result Judge(Action work, TimeSpan calibration, int attempts = 4, bool stopAtSerial = false)
    {
        var made = new List<Attempt>();
        var before = Calibrate(calibration);
        for (var i = 0; i < attempts; i++)
        {
            var reading = Measure(work);
            var after = Calibrate(calibration);
            var attempt = new Attempt(before, reading, after);
            before = after;
            made.Add(attempt);
            if (attempt.Verdict == Verdict.Parallel || (stopAtSerial && attempt.Verdict == Verdict.Serial))
            {
                break;
            }
        }
        return new Result(made);
    }
}
