using System.Globalization;
using Xunit.Abstractions;

namespace ConcurrencyKata.Tests.Ex10;

/// <summary>
/// Exercise 10-gil: GlobalInterpreterLock under the kata's little interpreter (support/Interpreter.cs),
/// which calls it as CPython calls its GIL. Every run is bounded by the interpreter's timeout and
/// by the scenario's; the measures count units of work where they can, not milliseconds.
/// </summary>
public sealed class GilTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan SwitchInterval = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan Unit = TimeSpan.FromMilliseconds(1);

    private const string LookAtTheLock = "Look at: GlobalInterpreterLock.Acquire, Release and Tick.";

    [Fact]
    public void Two_threads_never_compute_at_the_same_instant()
    {
        using var scenario = new Scenario();
        // first as the interpreter uses it: thousands of hand-offs, each a chance for two threads to believe they hold the lock
        var tiny = new InterpreterOptions { Unit = TimeSpan.FromMicroseconds(20), Timeout = RunTimeout };
        var run = RunUnder(scenario, new GlobalInterpreterLock(TimeSpan.FromMicroseconds(100)), Computing(3, 2500), tiny);
        scenario.Check(run.MaxComputingAtOnce <= 1, () =>
            $"Expected at most one thread to compute at any instant: that is what the lock is for.\n" +
            $"Observed: {run.MaxComputingAtOnce} threads computing at the same instant (the interpreter counts them; 3 programs of 2500 units of 20 µs, switch interval 100 µs).\n" +
            TwoStepsAdvice + "\n\n" + InterpreterTrace.Render(run));

        // then two threads that call Acquire at the same instant, again and again, for a fixed time (not a fixed count:
        // on a busy machine the two are often not running at once, and only then can they collide)
        var race = SimultaneousAcquires(new GlobalInterpreterLock(TimeSpan.FromMilliseconds(5)), TimeSpan.FromSeconds(1));
        output.WriteLine($"measure: simultaneous acquires {race}");
        scenario.Check(race.MaxInside <= 1 && !race.Stuck, () =>
            "Expected at most one thread to hold the lock at any instant, also when two threads call Acquire at the same instant.\n" +
            $"Observed: two threads let go at the same instant, {race.Attempts} times in {race.Elapsed.TotalMilliseconds:0} ms, each calling Acquire, " +
            $"a short critical section and Release: {(race.Stuck ? "they stopped making progress (a thread never got the lock back)" : $"{race.Collisions} time(s) both were inside at once")}.\n" +
            TwoStepsAdvice);
    }

    private const string TwoStepsAdvice =
        "Two threads both saw the lock free and both took it: checking \"is it free?\" and then marking it taken are two steps, and another thread can slip between them.\n" +
        "Look at: make the check and the take one atomic step: do both inside lock (...) { } (Monitor), or with Interlocked.CompareExchange.";

    private readonly record struct RaceResult(int Attempts, int Collisions, int MaxInside, bool Stuck, TimeSpan Elapsed)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Attempts} attempts, {Collisions} collisions, max inside {MaxInside}{(Stuck ? ", stuck" : "")} in {Elapsed.TotalMilliseconds:0} ms");
    }

    /// <summary>
    /// Two threads meet at a spinning barrier, then both call Acquire at that instant, note how many are inside, and
    /// Release; again and again, for <paramref name="duration"/> or until they collide.
    /// </summary>
    private static RaceResult SimultaneousAcquires(IGlobalInterpreterLock gil, TimeSpan duration)
    {
        const int threads = 2;
        var inside = 0;
        var maxInside = 0;
        var collisions = 0;
        var attempts = 0;
        var arrivals = 0;
        var stop = 0;
        var stuck = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var patience = TimeSpan.FromSeconds(1);
        var racers = Enumerable.Range(0, threads).Select(index => new Thread(() =>
        {
            for (var round = 1; ; round++)
            {
                // the barrier: the last to arrive goes at once, the other the moment it sees the count change
                Interlocked.Increment(ref arrivals);
                var waitedFrom = clock.Elapsed;
                while (Volatile.Read(ref arrivals) < round * threads)
                {
                    if (Volatile.Read(ref stop) != 0)
                    {
                        return;
                    }
                    if (clock.Elapsed - waitedFrom > patience)
                    {
                        Volatile.Write(ref stuck, 1);
                        Volatile.Write(ref stop, 1);
                        return;
                    }
                }
                if (Volatile.Read(ref stop) != 0)
                {
                    return;
                }
                try
                {
                    gil.Acquire();
                    var now = Interlocked.Increment(ref inside);
                    if (now > 1)
                    {
                        Interlocked.Increment(ref collisions);
                        Volatile.Write(ref maxInside, Math.Max(now, Volatile.Read(ref maxInside)));
                    }
                    Thread.SpinWait(50);
                    Interlocked.Decrement(ref inside);
                    gil.Release();
                }
                catch (Exception)
                {
                    Volatile.Write(ref stuck, 1);
                    Volatile.Write(ref stop, 1);
                    return;
                }
                if (index == 0)
                {
                    Interlocked.Increment(ref attempts);
                    if (clock.Elapsed > duration || Volatile.Read(ref collisions) > 0)
                    {
                        Volatile.Write(ref stop, 1);
                    }
                }
            }
        }) { IsBackground = true, Name = "gil racer" }).ToList();
        racers.ForEach(r => r.Start());
        foreach (var racer in racers)
        {
            if (!racer.Join(duration + TimeSpan.FromSeconds(3)))
            {
                Volatile.Write(ref stuck, 1);
            }
        }
        Volatile.Write(ref stop, 1);
        return new RaceResult(Volatile.Read(ref attempts), Volatile.Read(ref collisions), Math.Max(1, Volatile.Read(ref maxInside)), Volatile.Read(ref stuck) != 0, clock.Elapsed);
    }

    [SkippableFact]
    public void A_waiting_thread_sleeps_instead_of_spinning()
    {
        Skip.If(CpuMeter.ThreadCpuTime() is null, "this platform offers no per-thread CPU clock");
        using var scenario = new Scenario();
        var options = new InterpreterOptions { Unit = Unit, Timeout = RunTimeout, ThreadCpuClock = CpuMeter.ThreadCpuTime, ThreadWakeups = ThreadSwitches };
        RunUnder(scenario, new GlobalInterpreterLock(SwitchInterval), Computing(2, 10), options); // warm-up: JIT, first calls
        const int units = 150;
        var meter = CpuMeter.Start();
        var run = RunUnder(scenario, new GlobalInterpreterLock(SwitchInterval), Computing(2, units), options);
        var process = meter.Read();

        var outside = run.Programs.Select(p => p.CpuOutsideUnits ?? TimeSpan.Zero).ToList();
        var inUnits = run.Programs.Select(p => p.CpuInUnits ?? TimeSpan.Zero).Aggregate(TimeSpan.Zero, (a, b) => a + b);
        var totalOutside = outside.Aggregate(TimeSpan.Zero, (a, b) => a + b);
        var waited = run.Programs.SelectMany(p => p.Steps).Where(s => s.Kind == StepKind.Lock).Aggregate(TimeSpan.Zero, (a, s) => a + s.Duration);
        var limit = inUnits * 0.10;
        var turns = InterpreterTrace.Turns(run, includeLast: true);
        var wakeups = run.Programs.Select(p => (p.Name, Wakeups: p.Wakeups, Turns: turns.Count(t => t.Program == p.Name))).ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"measure: cpu outside units {totalOutside.TotalMilliseconds:0.0} ms ({string.Join(", ", outside.Select(o => $"{o.TotalMilliseconds:0.0}"))}), in units {inUnits.TotalMilliseconds:0} ms, waited for the lock {waited.TotalMilliseconds:0} ms, process {process}; vol/invol/turns {string.Join(", ", wakeups.Select(w => $"{w.Wakeups / 1_000_000}/{w.Wakeups % 1_000_000}/{w.Turns}"))}"));

        scenario.Check(totalOutside <= limit, () =>
            $"Expected a thread that waits for the lock to sleep: the CPU the program threads use outside their units of work " +
            $"(acquiring, ticking, handing over) under {limit.TotalMilliseconds:0} ms, a tenth of the {inUnits.TotalMilliseconds:0} ms they computed.\n" +
            $"Observed: {totalOutside.TotalMilliseconds:0} ms outside the units ({string.Join(", ", run.Programs.Select(p => $"{p.Name} {p.CpuOutsideUnits?.TotalMilliseconds ?? 0:0} ms"))}) " +
            $"while they waited {waited.TotalMilliseconds:0} ms for the lock in all; the whole process: {process}. " +
            "A waiter that spins burns a core doing nothing: the GIL serialises the work, the spinning doubles what it costs.\n" +
            "Look at: Acquire must block until the lock is handed over (Monitor.Wait, SemaphoreSlim.Wait, ...), not loop on \"is it free yet?\" " +
            "(while (...) { }, SpinWait, Thread.Yield all burn CPU).\n\n" +
            InterpreterTrace.Render(run));
    }

    [PlatformLimit("macOS, Windows", "skipped: " + PlatformReasons.Wakeups)]
    [SkippableFact]
    public void A_waiting_thread_is_woken_for_its_turn_instead_of_polling()
    {
        Skip.If(CpuMeter.ThreadWakeups() is null, PlatformReasons.Wakeups);
        using var scenario = new Scenario();
        // a long switch interval: a waiter waits about 40 ms per turn. Woken by the hand-off it wakes a
        // few times per turn (the hand-off itself, and any lock it then finds taken for a moment); one
        // that looks again every few milliseconds (a timed Monitor.Wait, Thread.Sleep) wakes ten or
        // more times per turn, though it spends little CPU doing so.
        var interval = TimeSpan.FromMilliseconds(40);
        var options = new InterpreterOptions { Unit = Unit, Timeout = RunTimeout, ThreadWakeups = CpuMeter.ThreadWakeups };
        RunUnder(scenario, new GlobalInterpreterLock(interval), Computing(2, 10), options); // warm-up: JIT, first calls
        var run = RunUnder(scenario, new GlobalInterpreterLock(interval), Computing(2, 200), options);
        var turns = InterpreterTrace.Turns(run, includeLast: true);
        var woken = run.Programs.Select(p => (p.Name, Wakeups: p.Wakeups ?? 0, Turns: turns.Count(t => t.Program == p.Name))).ToList();
        static long Limit(int turns) => 6L * turns + 10;

        scenario.Check(woken.All(w => w.Wakeups <= Limit(w.Turns)), () =>
            $"Expected a thread that waits for the lock to sleep until it is handed the lock: a few wake-ups per turn (at most 6 per turn + 10; switch interval {interval.TotalMilliseconds:0} ms).\n" +
            $"Observed: {string.Join("; ", woken.Select(w => $"{w.Name} woke {w.Wakeups} times for {w.Turns} turns (limit {Limit(w.Turns)})"))}.\n" +
            "Look at: a waiter that sleeps a little and looks again (Monitor.Wait(gate, 1), Thread.Sleep(1) in a loop) is polling: cheap, but it wakes all the time " +
            "and answers late. Wait without a timeout, and have Release or Tick wake the next thread (Monitor.Pulse/PulseAll, a semaphore per waiter).\n\n" +
            InterpreterTrace.Render(run));
    }

    [Fact]
    public void Every_program_gets_the_lock_back_within_a_few_switch_intervals()
    {
        using var scenario = new Scenario();
        const int rounds = 3, programs = 3, units = 60;
        // a short interval, so that a fair turn (a couple of units) and a starved wait (a Monitor lets a starved waiter in
        // after about 100 ms) are far apart
        var interval = TimeSpan.FromMilliseconds(1);
        var options = new InterpreterOptions { Unit = Unit, Timeout = RunTimeout };
        InterpreterRun? bad = null;
        IReadOnlyList<InterpreterTrace.Starvation> worst = [];
        var limit = 0;
        var perTurn = 0;
        var round = 0;
        for (; round < rounds && bad is null; round++)
        {
            var run = RunUnder(scenario, new GlobalInterpreterLock(interval), Computing(programs, units), options);
            // a turn holds the lock for the interval: at most interval / (the shortest unit) units, plus the one that crosses it.
            // A busy machine makes units longer, so turns only get shorter in units: the bound holds however loaded it is.
            var shortest = run.Programs.SelectMany(p => p.Units).Min(u => u.Duration);
            perTurn = (int)Math.Ceiling(interval / shortest) + 1;
            limit = 3 * (programs - 1) * perTurn;
            worst = InterpreterTrace.UnitsInBetween(run);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"measure: shortest unit {shortest.TotalMilliseconds:0.00} ms, limit {limit}, units in between {string.Join(", ", worst.Select(w => w.ToString()))}"));
            if (worst.Any(w => w.UnitsInBetween > limit))
            {
                bad = run;
            }
        }

        scenario.Check(bad is null, () =>
            $"Expected every CPU-bound program to get the lock back within a few switch intervals: with {programs} programs and a switch interval of " +
            $"{interval.TotalMilliseconds:0} ms (a turn of at most {perTurn} units here), a fair hand-off lets the others run about {(programs - 1) * perTurn} units " +
            $"between two units of any one program; the limit is {limit}.\n" +
            $"Observed (round {round} of up to {rounds}): the longest wait of each program, counted in units the others ran meanwhile: {string.Join("; ", worst)}.\n" +
            "A program that waits that long is starved: all threads are in progress, but one runs and another waits its turn for ages. " +
            "The usual causes: Tick never hands over (the first program runs to the end, then the next: one after the other); Tick releases and at once " +
            "re-acquires, and the holder wins again because the waiter is still waking up; or the lock goes to the most recent waiter (a stack), so the oldest never gets it.\n" +
            "Look at: in Tick, when the holder's time is up and someone waits, hand the lock to the thread that has waited longest and queue the holder up behind " +
            "the others (a ticket number, or a queue of waiters, first in first out).\n\n" +
            InterpreterTrace.Render(bad!));
    }

    [Fact]
    public void The_holder_keeps_the_lock_for_the_switch_interval_before_handing_it_on()
    {
        using var scenario = new Scenario();
        const int programs = 2, units = 80;
        var options = new InterpreterOptions { Unit = Unit, Timeout = RunTimeout };
        var run = RunUnder(scenario, new GlobalInterpreterLock(SwitchInterval), Computing(programs, units), options);
        var turns = InterpreterTrace.Turns(run);
        var median = InterpreterTrace.Median(turns.Select(t => t.Duration));
        var limit = SwitchInterval * 0.8;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"measure: {turns.Count} turns, median {median.TotalMilliseconds:0.00} ms, median units {InterpreterTrace.Median(turns.Select(t => t.Units))}"));

        scenario.Check(turns.Count > 0 && median >= limit, () =>
            $"Expected the lock to change hands about once per switch interval ({SwitchInterval.TotalMilliseconds:0} ms): each turn, from the moment the lock was handed to a program " +
            $"to the end of its last unit before it went to the other program, should last at least {limit.TotalMilliseconds:0} ms (median).\n" +
            $"Observed: {turns.Count} turns with a median of {median.TotalMilliseconds:0.0} ms ({InterpreterTrace.Median(turns.Select(t => t.Units))} units). " +
            "Handing over at every tick makes every unit pay for a switch (waking a thread, moving caches), and the work gets slower as more threads join.\n" +
            "Look at: Tick hands over only when the holder has held the lock for switchInterval (note the time in Acquire) and someone waits.\n\n" +
            InterpreterTrace.Render(run));
    }

    [Fact]
    public void Blocking_waits_overlap_because_the_lock_is_released_around_them()
    {
        using var scenario = new Scenario();
        var wait = TimeSpan.FromMilliseconds(300);
        var limit = TimeSpan.FromMilliseconds(450);
        var options = new InterpreterOptions { Unit = Unit, Timeout = RunTimeout };
        IReadOnlyList<InterpretedProgram> waiting =
        [
            new("A", [new Compute(2), new Block(wait), new Compute(2)]),
            new("B", [new Compute(2), new Block(wait), new Compute(2)]),
        ];
        var run = RunUnder(scenario, new GlobalInterpreterLock(SwitchInterval), waiting, options);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"measure: two waits of 300 ms took {run.Wall.TotalMilliseconds:0} ms"));

        scenario.Check(run.Wall < limit, () =>
            $"Expected two programs that each wait {wait.TotalMilliseconds:0} ms (as for I/O, lock released) to wait at the same time: done in under {limit.TotalMilliseconds:0} ms, not {2 * wait.TotalMilliseconds:0}.\n" +
            $"Observed: {run.Wall.TotalMilliseconds:0} ms. The interpreter releases the lock before each wait, so the other program could have taken it, " +
            "unless Release left it taken, or never woke the thread waiting for it.\n" +
            "Look at: Release must make the lock free and wake a waiter (Monitor.PulseAll, or Release the waiter's semaphore).\n\n" +
            InterpreterTrace.Render(run));
    }

    [PlatformLimit("macOS, Windows", "judged by the time between units only, not by the thread's sleeps: " + PlatformReasons.Wakeups)]
    [Fact]
    public void Tick_with_nobody_waiting_keeps_the_lock_and_costs_nothing()
    {
        using var scenario = new Scenario();
        const int units = 200;
        var interval = TimeSpan.FromMilliseconds(1);
        var options = new InterpreterOptions { Unit = Unit, Timeout = RunTimeout, ThreadWakeups = CpuMeter.ThreadWakeups };
        var alone = new[] { InterpretedProgram.Computing("alone", units) };
        RunUnder(scenario, new GlobalInterpreterLock(interval), alone, options); // warm-up
        var run = RunUnder(scenario, new GlobalInterpreterLock(interval), alone, options);
        var program = run.Programs[0];
        var ownUnits = program.Units.ToList();
        var inUnits = ownUnits.Aggregate(TimeSpan.Zero, (a, u) => a + u.Duration);
        // the time the thread spent between its first unit and its last outside them (in Tick): a few µs each when Tick keeps the lock
        var between = TimeSpan.FromSeconds((ownUnits[^1].EndTicks - ownUnits[0].StartTicks) / (double)System.Diagnostics.Stopwatch.Frequency) - inUnits;
        var wakeups = program.Wakeups;
        const int wakeupLimit = 10;
        var betweenLimit = inUnits * 0.10 + TimeSpan.FromMilliseconds(10);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"measure: alone: {inUnits.TotalMilliseconds:0} ms in units, {between.TotalMilliseconds:0.0} ms between them; wake-ups {wakeups?.ToString(CultureInfo.InvariantCulture) ?? "n/a"}"));

        scenario.Check((wakeups is null || wakeups <= wakeupLimit) && between <= betweenLimit, () =>
            $"Expected a program running alone under the lock to go as fast as without it: Tick with nobody waiting has nobody to hand over to, " +
            $"so it keeps the lock, does not sleep and does not wait ({units} units of {Unit.TotalMilliseconds:0} ms, switch interval {interval.TotalMilliseconds:0} ms).\n" +
            $"Observed: {between.TotalMilliseconds:0} ms spent between its units (limit {betweenLimit.TotalMilliseconds:0} ms) against {inUnits.TotalMilliseconds:0} ms in them; " +
            $"its thread went to sleep and was woken {wakeups?.ToString(CultureInfo.InvariantCulture) ?? "(not measured here)"} times (limit {wakeupLimit}).\n" +
            "Look at: Tick must not sleep, yield or wait unless another thread is waiting for the lock.\n\n" +
            InterpreterTrace.Render(run));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void A_switch_interval_that_is_not_positive_is_rejected(int milliseconds)
    {
        using var scenario = new Scenario();
        var interval = TimeSpan.FromMilliseconds(milliseconds);
        Exception? error = null;
        try
        {
            _ = new GlobalInterpreterLock(interval);
        }
        catch (Exception e)
        {
            error = e;
        }
        scenario.Check(error is ArgumentOutOfRangeException { ParamName: "switchInterval" }, () =>
            $"Expected new GlobalInterpreterLock({milliseconds} ms) to throw ArgumentOutOfRangeException naming switchInterval: a holder could never keep the lock for a time that is not positive.\n" +
            $"Observed: {Explain.Exception(error)}{(error is ArgumentException { ParamName: { } p } ? $" naming \"{p}\"" : "")}.\n" +
            "Look at: ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(switchInterval, TimeSpan.Zero) first thing in the constructor.");
    }

    [Fact]
    public void Release_by_a_thread_that_does_not_hold_the_lock_throws()
    {
        using var scenario = new Scenario();
        var gil = new GlobalInterpreterLock(SwitchInterval);
        var whenFree = scenario.CallOnOwnThread(() => Catch(gil.Release), Patience, "Expected Release on a free lock to return or throw at once.");

        // not disposed: a thread stuck in a wrong lock may still touch them after the test
        var holding = new ManualResetEventSlim();
        var done = new ManualResetEventSlim();
        var taken = new ManualResetEventSlim();
        var holder = new Thread(() => Catch(() =>
        {
            gil.Acquire();
            holding.Set();
            done.Wait(Patience);
            gil.Release();
        })) { IsBackground = true, Name = "gil holder" };
        holder.Start();
        scenario.Check(holding.Wait(Patience), () => "Expected Acquire on a free lock to return at once.\nObserved: it had not returned after 6 s.\n" + LookAtTheLock);
        var whenHeldByAnother = scenario.CallOnOwnThread(() => Catch(gil.Release), Patience, "Expected Release by a thread that does not hold the lock to return or throw at once.");
        // the holder still holds it: a third thread cannot take it
        var intruder = new Thread(() => Catch(() =>
        {
            gil.Acquire();
            taken.Set();
            gil.Release();
        })) { IsBackground = true, Name = "gil intruder" };
        intruder.Start();
        var intruderGotIn = taken.Wait(TimeSpan.FromMilliseconds(100));
        done.Set();
        holder.Join(Patience);
        intruder.Join(TimeSpan.FromSeconds(1));

        scenario.Check(whenFree is SynchronizationLockException && whenHeldByAnother is SynchronizationLockException && !intruderGotIn, () =>
            "Expected Release by a thread that does not hold the lock to throw SynchronizationLockException (as Monitor.Exit does) and leave the lock as it was.\n" +
            $"Observed: Release on a free lock gave {Explain.Exception(whenFree)}; Release by another thread while one holds it gave {Explain.Exception(whenHeldByAnother)}" +
            $"{(intruderGotIn ? ", and after that a third thread could Acquire the lock while its holder still held it" : "")}.\n" +
            "A Release that trusts its caller lets any thread free a lock it does not hold, and the holder then computes next to someone else.\n" +
            "Look at: remember the owner (Thread.CurrentThread) in Acquire; in Release, throw new SynchronizationLockException(...) when the caller is not the owner.");
    }

    private InterpreterRun RunUnder(Scenario scenario, IGlobalInterpreterLock gil, IReadOnlyList<InterpretedProgram> programs, InterpreterOptions options)
    {
        var run = scenario.CallOnOwnThread(() => Interpreter.Run(programs, gil, options), Patience,
            "Expected the interpreter to return (it gives up on its programs after its own timeout).");
        run.ThrowIfFailed();
        scenario.Check(!run.TimedOut, () =>
            $"Expected the {programs.Count} programs to finish (they need about {programs.Sum(p => p.Instructions.OfType<Compute>().Sum(c => c.Units)) * options.Unit.TotalMilliseconds:0} ms of work " +
            $"and {programs.Sum(p => p.Instructions.OfType<Block>().Sum(b => b.Duration.TotalMilliseconds)):0} ms of waits in all).\n" +
            $"Observed: still running after {options.Timeout.TotalMilliseconds:0} ms: a thread waits for a lock that is never handed to it " +
            "(Release or Tick gave the lock up without waking a waiter, or nobody ever gave it up).\n" +
            "Look at: every Release and every hand-off in Tick must wake the thread that is to go next (Monitor.PulseAll, or its semaphore).\n\n" +
            InterpreterTrace.Render(run));
        return run;
    }

    /// <summary>The calling thread's context switches, as voluntary × 1,000,000 + involuntary (Linux), for the measures the checks print.</summary>
    private static long? ThreadSwitches()
    {
        const string path = "/proc/thread-self/status";
        if (!OperatingSystem.IsLinux() || !File.Exists(path))
        {
            return null;
        }
        long voluntary = 0, involuntary = 0;
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
            {
                voluntary = long.Parse(line.AsSpan("voluntary_ctxt_switches:".Length).Trim(), CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
            {
                involuntary = long.Parse(line.AsSpan("nonvoluntary_ctxt_switches:".Length).Trim(), CultureInfo.InvariantCulture);
            }
        }
        return voluntary * 1_000_000 + involuntary;
    }

    private static IReadOnlyList<InterpretedProgram> Computing(int programs, int units)
        => Enumerable.Range(0, programs).Select(i => InterpretedProgram.Computing(((char)('A' + i)).ToString(), units)).ToList();

    private static Exception? Catch(Action action)
    {
        try
        {
            action();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
