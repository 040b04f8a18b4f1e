namespace ConcurrencyKata.Tests.Probes.SelfTests;

/// <summary>The interpreter of exercise 10 (support/Interpreter.cs) must tell a lock from no lock before the exercise relies on it.</summary>
public sealed class InterpreterTests
{
    private static readonly InterpreterOptions Options = new() { Timeout = TimeSpan.FromSeconds(5), ThreadCpuClock = CpuMeter.ThreadCpuTime };

    private static IReadOnlyList<InterpretedProgram> TwoComputing(int units) =>
        [InterpretedProgram.Computing("A", units), InterpretedProgram.Computing("B", units)];

    [SkippableFact]
    public void Without_a_lock_two_programs_compute_at_the_same_instant_on_two_cores()
    {
        Skip.If(Environment.ProcessorCount < 2, "one core: nothing can compute in parallel");
        // a busy machine may lend no second core for a while: a few attempts, each 2 × 100 units,
        // each bracketed by calibrations; only an attempt with a second core free on both sides can fail
        var span = TimeSpan.FromMilliseconds(100);
        var max = 0;
        var judged = new List<string>();
        var before = ParallelismProbe.Calibrate(span);
        for (var attempt = 0; attempt < 3 && max < 2; attempt++)
        {
            max = Interpreter.Run(TwoComputing(100), new NoLock(), Options).MaxComputingAtOnce;
            var after = ParallelismProbe.Calibrate(span);
            if (max < 2 && Math.Min(before, after) >= ParallelismProbe.UsableCalibration)
            {
                judged.Add($"at most {max} computing at once between calibrations of {before:0.00} and {after:0.00}");
            }
            before = after;
        }
        Skip.If(max < 2 && judged.Count == 0, "the machine lent no second core");
        max.Should().Be(2, string.Join("; ", judged));
    }

    [Fact]
    public void A_plain_monitor_lets_one_program_compute_at_a_time_and_the_waiter_burns_no_cpu()
    {
        var run = Interpreter.Run(TwoComputing(50), new MonitorLock(), Options);

        run.TimedOut.Should().BeFalse();
        run.MaxComputingAtOnce.Should().Be(1);
        run.Programs.Should().OnlyContain(p => p.Finished && p.Error == null && p.Units.Count() == 50);
        run.Programs.Select(p => p.ThreadId).Distinct().Should().HaveCount(2, "each program runs on a thread of its own");
        if (run.Programs[0].CpuOutsideUnits is { } outside)
        {
            outside.Should().BeLessThan(TimeSpan.FromMilliseconds(20), "a thread blocked in Monitor.Enter uses no CPU");
        }
    }

    [Fact]
    public void The_lock_is_released_around_blocking_waits_so_they_overlap()
    {
        IReadOnlyList<InterpretedProgram> waiting =
        [
            new("A", [new Compute(1), new Block(TimeSpan.FromMilliseconds(200)), new Compute(1)]),
            new("B", [new Compute(1), new Block(TimeSpan.FromMilliseconds(200)), new Compute(1)]),
        ];

        var run = Interpreter.Run(waiting, new MonitorLock(), Options);

        run.Wall.Should().BeLessThan(TimeSpan.FromMilliseconds(350));
        run.Programs.Should().OnlyContain(p => p.Steps.Count(s => s.Kind == StepKind.Block) == 1);
        InterpreterTrace.Render(run).Should().Contain("-").And.Contain("#");
    }

    [SkippableFact]
    public void A_spinning_lock_shows_as_cpu_outside_the_units()
    {
        Skip.If(CpuMeter.ThreadCpuTime() is null, "no per-thread CPU clock here");
        var run = Interpreter.Run(TwoComputing(60), new SpinLockGil(), Options);

        var outside = run.Programs.Sum(p => p.CpuOutsideUnits!.Value.TotalMilliseconds);
        outside.Should().BeGreaterThan(15, "the waiter spins while the other computes for about 60 ms");
    }

    [Fact]
    public void A_lock_that_never_lets_go_ends_in_a_timeout_not_a_hang()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var run = Interpreter.Run(TwoComputing(5), new NeverReleases(), Options with { Timeout = TimeSpan.FromMilliseconds(300) });

        run.TimedOut.Should().BeTrue();
        started.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(3));
        run.Programs.Count(p => !p.Finished).Should().Be(1, "one program holds the lock for good, the other waits for it");
    }

    [Fact]
    public void An_exception_from_the_lock_is_kept_and_rethrown_as_itself()
    {
        var run = Interpreter.Run(TwoComputing(5), new Throws(), Options);

        run.Programs.Should().OnlyContain(p => p.Error is NotImplementedException);
        var act = run.ThrowIfFailed;
        act.Should().Throw<NotImplementedException>().WithMessage("stub");
    }

    [Fact]
    public void Units_in_between_count_what_the_others_ran_while_a_program_waited()
    {
        // A runs 3 units, B runs 2, A runs 1: A waited while B ran 2; B waited while A ran 3
        var run = Interpreter.Run([InterpretedProgram.Computing("A", 1)], new NoLock(), Options);
        long t = run.StartTicks, u = System.Diagnostics.Stopwatch.Frequency / 1000;
        Step Unit(int i) => new(StepKind.Compute, t + i * u, t + i * u + u / 2);
        var fake = run with
        {
            Programs =
            [
                new ProgramTrace("A", 1, [Unit(0), Unit(1), Unit(2), Unit(5)], true, null, null, null, null),
                new ProgramTrace("B", 2, [Unit(3), Unit(4)], true, null, null, null, null),
            ],
            EndTicks = t + 6 * u,
        };

        InterpreterTrace.UnitsInBetween(fake).Select(s => s.UnitsInBetween).Should().Equal(2, 3);
        InterpreterTrace.Turns(fake, includeLast: true).Select(x => (x.Program, x.Units)).Should().Equal(("A", 3), ("B", 2), ("A", 1));
    }

    private sealed class MonitorLock : IGlobalInterpreterLock
    {
        private readonly object _lock = new();

        public void Acquire() => Monitor.Enter(_lock);

        public void Release() => Monitor.Exit(_lock);

        public void Tick()
        {
        }
    }

    private sealed class SpinLockGil : IGlobalInterpreterLock
    {
        private int _held;

        public void Acquire()
        {
            while (Interlocked.CompareExchange(ref _held, 1, 0) != 0)
            {
                Thread.SpinWait(20);
            }
        }

        public void Release() => Volatile.Write(ref _held, 0);

        public void Tick()
        {
        }
    }

    private sealed class NeverReleases : IGlobalInterpreterLock
    {
        private int _held;

        public void Acquire()
        {
            while (Interlocked.CompareExchange(ref _held, 1, 0) != 0)
            {
                Thread.Sleep(5);
            }
        }

        public void Release()
        {
        }

        public void Tick()
        {
        }
    }

    private sealed class Throws : IGlobalInterpreterLock
    {
        public void Acquire() => throw new NotImplementedException("stub");

        public void Release() => throw new NotImplementedException("stub");

        public void Tick() => throw new NotImplementedException("stub");
    }
}
