using System.Diagnostics;

namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// Judges "ran in parallel" for code with a worker count, from two kinds of physical evidence
/// measured in the same attempt: the speedup of the same CPU-bound work with 2 workers over 1,
/// and the CPU time over wall time with 2 workers: the work's own CPU time when the work is timed
/// by a <see cref="WorkMeter"/> (each unit on the thread that runs it), otherwise the process's.
/// Both are needed: a lock that
/// makes workers take turns gives no speedup and a ratio near 1.0; a spin lock gives a ratio
/// near 2.0 but still no speedup. Each attempt is bracketed by calibrations (two raw threads
/// computing), right before and right after it: a serial reading blames the code only when the
/// machine had a second core free for this process on both sides of the work; otherwise the
/// attempt proves nothing and another is made.
/// <para>
/// Work whose units compute through <see cref="WorkMeter.Spin"/> gives a third kind of evidence,
/// of the moment rather than an average (<see cref="ComputingAtOnce"/>): for how long two of its
/// units computed at the same instant. It decides both ways on a machine whose cores are busy with
/// other programs, where the averages cannot: a few milliseconds at once are parallel, and none
/// at all is serial when the raw threads of both calibrations did compute at once.
/// </para>
/// </summary>
public static class ParallelSpeedup
{
    /// <summary>
    /// The speedup that counts as parallel. With both cores free, 2 workers reach 1.8–1.95;
    /// with one core kept busy by another process, about 4/3 (two threads share the two cores
    /// with the busy one), and workers that take turns stay at 0.95–1.05 either way.
    /// </summary>
    public const double ParallelSpeedupAtLeast = 1.15;

    /// <summary>At or below this speedup the workers took turns.</summary>
    public const double SerialSpeedupAtMost = 1.08;

    /// <summary>
    /// Below this calibration the attempt cannot judge. With one core kept busy by another
    /// process, two raw threads reached a median of 1.22 (0.97–1.31 over 20 attempts): the 1.25 of
    /// <see cref="ParallelismProbe.UsableCalibration"/> would throw most of those attempts away,
    /// while serial work stays at or below 1.0 even then.
    /// </summary>
    public const double UsableCalibration = 1.12;

    /// <summary>
    /// Attempts at most. Counting the work's own CPU (a <see cref="WorkMeter"/>) is stricter than
    /// counting the process's: in three loaded ci runs (one core kept busy by another process),
    /// the reference and four alternatives needed 1 to 10 attempts (a median of 3) to show
    /// parallel work, about one attempt in four being parallel; workers confined to one core read
    /// 0.94-0.99 in all 36 of their attempts, serial in 26. At one in four, 20 attempts all
    /// without a parallel reading happen about 3 times in 1,000 for correct code (12 would: 3 in
    /// 100); serial code needs one usable attempt, and stops at the limit only when none was.
    /// </summary>
    public const int Attempts = 20;

    /// <summary>Two units computing at the same instant for this long in all is parallel work, and raw threads doing so is a machine that lends a second core.</summary>
    public static readonly TimeSpan TogetherAtLeast = TimeSpan.FromMilliseconds(2);

    /// <summary>Units computing at the same instant for no longer than this in all took turns (a clock read late can show a few microseconds).</summary>
    public static readonly TimeSpan TogetherAtMostWhenSerial = TimeSpan.FromMilliseconds(0.2);

    private static readonly TimeSpan CalibrationSpan = TimeSpan.FromMilliseconds(60);

    /// <summary>What the machine lent at one moment: two raw threads computing at once, their CPU time over wall time and how long they computed at the same instant.</summary>
    public readonly record struct Calibration(double Ratio, TimeSpan Together)
    {
        public override string ToString() => $"CPU/wall {Ratio:0.00}, {Together.TotalMilliseconds:0.0} ms at once";
    }

    /// <summary>Two raw threads compute at once, for <paramref name="perThread"/> each (60 ms when not given), watched by a <see cref="ComputingAtOnce"/>.</summary>
    public static Calibration Calibrate(TimeSpan? perThread = null)
    {
        var moments = new ComputingAtOnce();
        var iterations = CpuWork.IterationsFor(perThread ?? CalibrationSpan);
        var meter = CpuMeter.Start();
        var threads = Enumerable.Range(0, 2).Select(i => new Thread(() => moments.Spin(iterations, (ulong)i + 1)) { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join(TimeSpan.FromSeconds(30)));
        return new Calibration(meter.Read().Ratio, moments.Together);
    }

    /// <summary>One attempt: the calibrations around it, 1 worker's time, 2 workers' reading and, for work computed through <see cref="WorkMeter.Spin"/>, how long two units computed at the same instant.</summary>
    public readonly record struct Attempt(Calibration Before, TimeSpan OneWorker, CpuMeter.Reading TwoWorkers, TimeSpan? Together, Calibration After)
    {
        /// <summary>What the machine surely lent during the attempt: the lower of its two brackets' ratios.</summary>
        public double Calibration => Math.Min(Before.Ratio, After.Ratio);

        public double Speedup => TwoWorkers.Wall.TotalMilliseconds <= 0 ? 0 : OneWorker.TotalMilliseconds / TwoWorkers.Wall.TotalMilliseconds;

        /// <summary>
        /// Parallel when the work itself shows it (a speedup and more CPU than wall time, or units
        /// computing at the same instant, need two cores at once, whatever the calibrations said);
        /// serial only when both calibrations show a second core was free and the work did not use
        /// it. On a busy machine the second core comes and goes between a calibration and the
        /// work, so the calibrations are needed only to blame the code for a serial reading. When
        /// the moments were watched, they alone decide "serial": no unit computing at once while
        /// the raw threads did, right before and right after.
        /// </summary>
        public ParallelismProbe.Verdict Verdict => (Speedup >= ParallelSpeedupAtLeast && TwoWorkers.Ratio >= ParallelismProbe.ParallelRatio) || Together >= TogetherAtLeast ? ParallelismProbe.Verdict.Parallel
            : Together is { } together ? (together <= TogetherAtMostWhenSerial && Before.Together >= TogetherAtLeast && After.Together >= TogetherAtLeast ? ParallelismProbe.Verdict.Serial : ParallelismProbe.Verdict.Inconclusive)
            : Calibration < UsableCalibration ? ParallelismProbe.Verdict.Inconclusive
            : Speedup <= SerialSpeedupAtMost || TwoWorkers.Ratio <= ParallelismProbe.SerialRatio ? ParallelismProbe.Verdict.Serial
            : ParallelismProbe.Verdict.Inconclusive;

        public override string ToString()
            => $"two raw threads before: {(Together is null ? $"CPU/wall {Before.Ratio:0.00}" : Before)}; 1 worker {OneWorker.TotalMilliseconds:0} ms; " +
               $"2 workers {TwoWorkers.Wall.TotalMilliseconds:0} ms (speedup {Speedup:0.00}, CPU/wall {TwoWorkers.Ratio:0.00}" +
               $"{(Together is { } t ? $", {t.TotalMilliseconds:0.0} ms computing at once" : "")}); two raw threads after: {(Together is null ? $"CPU/wall {After.Ratio:0.00}" : After)} → {Verdict.ToString().ToLowerInvariant()}";
    }

    public sealed record Result(IReadOnlyList<Attempt> Attempts)
    {
        /// <summary>Parallel if any usable attempt showed it; serial if none did and at least one usable attempt showed turns; otherwise inconclusive.</summary>
        public ParallelismProbe.Verdict Verdict => Attempts.Any(a => a.Verdict == ParallelismProbe.Verdict.Parallel) ? ParallelismProbe.Verdict.Parallel
            : Attempts.Any(a => a.Verdict == ParallelismProbe.Verdict.Serial) ? ParallelismProbe.Verdict.Serial
            : ParallelismProbe.Verdict.Inconclusive;

        public override string ToString() => string.Join("\n", Attempts.Select((a, i) => $"attempt {i + 1}: {a}"));
    }

    /// <summary>
    /// Runs <paramref name="runWithWorkers"/>(1) and (2) on the same CPU-bound work, between
    /// calibrations, until an attempt shows parallel work or <paramref name="attempts"/> were made.
    /// </summary>
    /// <remarks>
    /// With a <paramref name="work"/> meter, CPU over wall counts only the CPU time of the work's
    /// own units: the process's CPU also counts the runtime's threads (the JIT compiling, the GC)
    /// and once let workers confined to one core read as parallel in a loaded ci run.
    /// </remarks>
    public static Result Judge(Action<int> runWithWorkers, WorkMeter? work = null, int attempts = Attempts)
    {
        runWithWorkers(2); // warm up: the JIT, the code under test's first-call costs
        var made = new List<Attempt>();
        var before = Calibrate();
        for (var i = 0; i < attempts; i++)
        {
            work?.Reset();
            var one = Stopwatch.StartNew();
            runWithWorkers(1);
            one.Stop();
            var oneWall = work?.Window ?? one.Elapsed;
            work?.Reset();
            var two = ParallelismProbe.Measure(() => runWithWorkers(2));
            if (work?.Total is { } workCpu)
            {
                two = new CpuMeter.Reading(workCpu, work.Window ?? two.Wall);
            }
            var together = work?.Together;
            var after = Calibrate();
            var attempt = new Attempt(before, oneWall, two, together, after);
            before = after;
            made.Add(attempt);
            if (attempt.Verdict == ParallelismProbe.Verdict.Parallel)
            {
                break;
            }
        }
        return new Result(made);
    }

    /// <inheritdoc cref="Judge(Action{int}, WorkMeter?, int)"/>
    public static Result Judge<T>(Func<int, T> runWithWorkers, WorkMeter? work = null, int attempts = Attempts) => Judge(w => { runWithWorkers(w); }, work, attempts);

    /// <summary>
    /// Times each unit of work on the thread that runs it (that thread's own CPU clock) and adds
    /// them up: the CPU the work itself used, whoever else in the process was busy meanwhile.
    /// </summary>
    /// <param name="timesWindow">
    /// Whether the wall time that counts is the units' own window (from the first unit's start to
    /// the last one's end) rather than the whole run's: for code that pays a fixed cost per run
    /// before any unit starts (worker processes started for each call), which says nothing about
    /// whether the units ran in parallel.
    /// </param>
    /// <param name="spans">When given, each unit run here is drawn on it as a computing span on its thread (the report's timeline).</param>
    public sealed class WorkMeter(bool timesWindow = false, SpanRecorder? spans = null)
    {
        private long _ticks;
        private int _unmeasured;
        private long _firstStart = long.MaxValue;
        private long _lastEnd = long.MinValue;
        private readonly ComputingAtOnce _moments = new();

        private int _elsewhere;

        /// <summary>A unit that computes <see cref="CpuWork.Spin(long, ulong)"/> (the same answer), timed as <see cref="Run"/> times it and <see cref="Watch">watched</see>.</summary>
        public ulong Spin(long iterations, ulong seed) => Run(() => Watch(iterations, seed));

        /// <summary>Computes <see cref="CpuWork.Spin(long, ulong)"/> (the same answer) watched for the moments when two units compute at once, inside a unit timed by <see cref="Run"/>.</summary>
        public ulong Watch(long iterations, ulong seed) => _moments.Spin(iterations, seed);

        /// <summary>
        /// How long two units computed at the same instant since the last <see cref="Reset"/>; null when
        /// no unit was watched, or when a unit was measured elsewhere (<see cref="Add(TimeSpan)"/>: a
        /// worker process), whose moments nobody saw.
        /// </summary>
        public TimeSpan? Together => _moments.Watched && Volatile.Read(ref _elsewhere) == 0 ? _moments.Together : null;

        public T Run<T>(Func<T> unit)
        {
            using var span = spans?.Begin("unit", busy: true);
            var started = Stopwatch.GetTimestamp();
            var start = CpuMeter.ThreadCpuTime();
            try
            {
                return unit();
            }
            finally
            {
                if (start is { } s && CpuMeter.ThreadCpuTime() is { } end)
                {
                    Interlocked.Add(ref _ticks, (end - s).Ticks);
                }
                else
                {
                    Interlocked.Increment(ref _unmeasured);
                }
                Span(started, Stopwatch.GetTimestamp());
            }
        }

        /// <summary>Adds CPU time measured elsewhere: a worker process's own report of the time a job took it.</summary>
        public void Add(TimeSpan cpu)
        {
            Interlocked.Add(ref _ticks, cpu.Ticks);
            Interlocked.Exchange(ref _elsewhere, 1);
        }

        /// <summary>Adds a unit measured elsewhere: its CPU time, and when it started and ended (<see cref="Stopwatch.GetTimestamp"/>, one clock for every process).</summary>
        public void Add(TimeSpan cpu, long startTimestamp, long endTimestamp)
        {
            Add(cpu);
            Span(startTimestamp, endTimestamp);
        }

        private void Span(long start, long end)
        {
            long seen;
            while (start < (seen = Interlocked.Read(ref _firstStart)) && Interlocked.CompareExchange(ref _firstStart, start, seen) != seen)
            {
            }
            while (end > (seen = Interlocked.Read(ref _lastEnd)) && Interlocked.CompareExchange(ref _lastEnd, end, seen) != seen)
            {
            }
        }

        /// <summary>The CPU time of the units since the last <see cref="Reset"/>; null when a unit could not be timed (no per-thread clock here).</summary>
        public TimeSpan? Total => Volatile.Read(ref _unmeasured) > 0 ? null : TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

        /// <summary>With <c>timesWindow</c>, the time from the first unit's start to the last one's end since the last <see cref="Reset"/>; otherwise null.</summary>
        public TimeSpan? Window => timesWindow && Interlocked.Read(ref _lastEnd) > Interlocked.Read(ref _firstStart)
            ? Stopwatch.GetElapsedTime(Interlocked.Read(ref _firstStart), Interlocked.Read(ref _lastEnd))
            : null;

        public void Reset()
        {
            Interlocked.Exchange(ref _ticks, 0);
            Interlocked.Exchange(ref _unmeasured, 0);
            Interlocked.Exchange(ref _firstStart, long.MaxValue);
            Interlocked.Exchange(ref _lastEnd, long.MinValue);
            _moments.Reset();
            Interlocked.Exchange(ref _elsewhere, 0);
        }
    }
}
