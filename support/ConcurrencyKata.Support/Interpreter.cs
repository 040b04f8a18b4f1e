using System.Diagnostics;

namespace ConcurrencyKata;

/// <summary>
/// A global interpreter lock, as CPython has one: a thread must hold it to run the
/// interpreter's instructions. <see cref="Interpreter"/> holds it while computing and lets go
/// around blocking waits, as CPython does; where CPython's waiter sets a drop request after a
/// switch interval, here the holder is asked after every unit of work (<see cref="Tick"/>).
/// </summary>
public interface IGlobalInterpreterLock
{
    /// <summary>Blocks until the calling thread holds the lock.</summary>
    void Acquire();

    /// <summary>Gives the lock up; called by the thread that holds it.</summary>
    void Release();

    /// <summary>
    /// Called by the holder after every unit of computation: the moment at which it may hand
    /// the lock to a waiting thread.
    /// </summary>
    void Tick();
}

/// <summary>The "no GIL" baseline: every call returns at once, so threads compute in parallel.</summary>
public sealed class NoLock : IGlobalInterpreterLock
{
    public void Acquire()
    {
    }

    public void Release()
    {
    }

    public void Tick()
    {
    }
}

/// <summary>One instruction of an <see cref="InterpretedProgram"/>.</summary>
public abstract record Instruction;

/// <summary>Computes <paramref name="Units"/> units of CPU work, holding the lock, with a tick after each.</summary>
public sealed record Compute(int Units) : Instruction;

/// <summary>A blocking wait (think I/O, or <c>time.sleep</c>): the lock is released around it.</summary>
public sealed record Block(TimeSpan Duration) : Instruction;

/// <summary>A program for the interpreter: it runs on a thread of its own.</summary>
public sealed record InterpretedProgram(string Name, IReadOnlyList<Instruction> Instructions)
{
    /// <summary>A program that only computes.</summary>
    public static InterpretedProgram Computing(string name, int units) => new(name, [new Compute(units)]);
}

public sealed record InterpreterOptions
{
    /// <summary>CPU time of one unit of <see cref="Compute"/> work (<see cref="CpuWork.Burn"/>).</summary>
    public TimeSpan Unit { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>How long <see cref="Interpreter.Run"/> waits for its programs; a run that takes longer is reported as timed out.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The calling thread's CPU time, or null where it cannot be read. When given, the trace
    /// records how much CPU each program's thread used outside its compute units: what it
    /// burnt acquiring, releasing and ticking the lock.
    /// </summary>
    public Func<TimeSpan?>? ThreadCpuClock { get; init; }

    /// <summary>How many times the calling thread has blocked and been woken (or null). When given, the trace records each program thread's wake-ups.</summary>
    public Func<long?>? ThreadWakeups { get; init; }
}

public enum StepKind
{
    /// <summary>One unit of computation, holding the lock.</summary>
    Compute,

    /// <summary>A blocking wait, with the lock released.</summary>
    Block,

    /// <summary>Waiting in <see cref="IGlobalInterpreterLock.Acquire"/> or in a <see cref="IGlobalInterpreterLock.Tick"/> that took longer than a moment.</summary>
    Lock,
}

/// <summary>One step of a program's run, in <see cref="Stopwatch.GetTimestamp"/> ticks.</summary>
public readonly record struct Step(StepKind Kind, long StartTicks, long EndTicks)
{
    public TimeSpan Duration => Stopwatch.GetElapsedTime(StartTicks, EndTicks);
}

/// <summary>
/// What one program did, on which thread, and what its thread cost. <paramref name="StartTicks"/>
/// is when its thread first called Acquire (a busy machine may start a thread late).
/// </summary>
public sealed record ProgramTrace(
    string Name,
    int ThreadId,
    IReadOnlyList<Step> Steps,
    bool Finished,
    Exception? Error,
    TimeSpan? CpuTotal,
    TimeSpan? CpuInUnits,
    long? Wakeups,
    long StartTicks = 0)
{
    /// <summary>CPU the program's thread used outside its compute units: acquiring, releasing, ticking (and spinning, if the lock spins).</summary>
    public TimeSpan? CpuOutsideUnits => CpuTotal is { } total && CpuInUnits is { } inUnits ? total - inUnits : null;

    public IEnumerable<Step> Units => Steps.Where(s => s.Kind == StepKind.Compute);
}

/// <summary>The trace of one <see cref="Interpreter.Run"/>.</summary>
public sealed record InterpreterRun(
    IReadOnlyList<ProgramTrace> Programs,
    int MaxComputingAtOnce,
    bool TimedOut,
    long StartTicks,
    long EndTicks)
{
    public TimeSpan Wall => Stopwatch.GetElapsedTime(StartTicks, EndTicks);

    /// <summary>The first exception a program's thread ended with, rethrown as itself (a stub's NotImplementedException, say).</summary>
    public void ThrowIfFailed()
    {
        if (Programs.FirstOrDefault(p => p.Error is not null)?.Error is { } error)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
        }
    }
}

/// <summary>
/// A tiny interpreter that uses a global interpreter lock as CPython runs its threads: each program
/// runs on a thread of its own, acquires the lock before running, holds it while it computes,
/// calls <see cref="IGlobalInterpreterLock.Tick"/> after every unit, releases it around blocking
/// waits and at the end (also when something failed).
/// </summary>
public static class Interpreter
{
    /// <summary>A lock call shorter than this is not recorded as a <see cref="StepKind.Lock"/> step.</summary>
    private static readonly long LockStepThreshold = Stopwatch.Frequency / 20_000; // 50 µs

    public static InterpreterRun Run(IReadOnlyList<InterpretedProgram> programs, IGlobalInterpreterLock gil, InterpreterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(programs);
        ArgumentNullException.ThrowIfNull(gil);
        options ??= new InterpreterOptions();
        var iterations = CpuWork.IterationsFor(options.Unit);
        CpuWork.Spin(iterations / 10); // calibrated and compiled before any thread starts

        var shared = new Shared();
        var states = programs.Select(p => new State(p)).ToArray();

        var threads = states.Select(state => new Thread(new InterpreterThread(state, gil, options, iterations, shared).Run)
        {
            IsBackground = true,
            Name = $"interpreter {state.Program.Name}",
        }).ToList();
        var startedAt = Stopwatch.GetTimestamp();
        var deadline = startedAt + (long)(options.Timeout.TotalSeconds * Stopwatch.Frequency);
        threads.ForEach(t => t.Start());
        while (Volatile.Read(ref shared.Arrived) < threads.Count && Stopwatch.GetTimestamp() < deadline)
        {
            Thread.Yield();
        }
        var runStart = Stopwatch.GetTimestamp();
        Volatile.Write(ref shared.Go, 1);
        var timedOut = false;
        foreach (var thread in threads)
        {
            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (!thread.Join(left > TimeSpan.Zero ? left : TimeSpan.Zero))
            {
                timedOut = true;
            }
        }
        if (timedOut)
        {
            Volatile.Write(ref shared.Abandoned, 1); // the threads are background threads: one stuck in Acquire cannot keep the process alive
        }
        var runEnd = Stopwatch.GetTimestamp();
        return new InterpreterRun(
            states.Select(s => s.Snapshot()).ToList(),
            Volatile.Read(ref shared.MaxComputing),
            timedOut,
            runStart,
            runEnd);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }

    /// <summary>What the threads of one run share: the start signal, how many compute at this instant and the most that ever did, and the flag that abandons a run past its timeout.</summary>
    private sealed class Shared
    {
        public int Computing;
        public int MaxComputing;
        public int Arrived;
        public int Go;
        public int Abandoned;
    }

    /// <summary>
    /// One program on a thread of its own: it waits until every program's thread has arrived, takes
    /// the lock, computes unit after unit (a <see cref="IGlobalInterpreterLock.Tick"/> after each),
    /// lets go of the lock around each blocking wait, and releases it at the end, also when
    /// something failed. Every lock call that takes a while is recorded as a step.
    /// </summary>
    private sealed class InterpreterThread(State state, IGlobalInterpreterLock gil, InterpreterOptions options, long iterations, Shared shared)
    {
        private TimeSpan _cpuInUnits;
        private bool _cpuReadable;
        private bool _holding;

        public void Run()
        {
            state.ThreadId = Environment.CurrentManagedThreadId;
            WaitForEveryone();
            var cpuAtStart = options.ThreadCpuClock?.Invoke();
            var wakeupsAtStart = options.ThreadWakeups?.Invoke();
            _cpuReadable = cpuAtStart is not null;
            state.StartTicks = Stopwatch.GetTimestamp();
            try
            {
                Timed(StepKind.Lock, gil.Acquire);
                _holding = true;
                foreach (var instruction in state.Program.Instructions)
                {
                    if (Volatile.Read(ref shared.Abandoned) != 0)
                    {
                        break;
                    }
                    switch (instruction)
                    {
                        case Compute compute:
                            ComputeUnits(compute);
                            break;
                        case Block block:
                            BlockWithoutTheLock(block);
                            break;
                        default:
                            throw new NotSupportedException($"Unknown instruction {instruction}.");
                    }
                }
            }
            catch (Exception e)
            {
                state.Error = e;
            }
            finally
            {
                Finish(cpuAtStart, wakeupsAtStart);
            }
        }

        /// <summary>Every program starts at the same instant: they spin, not sleep, until all have arrived.</summary>
        private void WaitForEveryone()
        {
            Interlocked.Increment(ref shared.Arrived);
            var spinner = new SpinWait();
            while (Volatile.Read(ref shared.Go) == 0)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }
        }

        private void ComputeUnits(Compute compute)
        {
            for (var unit = 0; unit < compute.Units && Volatile.Read(ref shared.Abandoned) == 0; unit++)
            {
                var cpuBefore = _cpuReadable ? options.ThreadCpuClock!() : null;
                var now = Interlocked.Increment(ref shared.Computing);
                InterlockedMax(ref shared.MaxComputing, now);
                var start = Stopwatch.GetTimestamp();
                CpuWork.Spin(iterations, (ulong)unit + 1);
                var end = Stopwatch.GetTimestamp();
                Interlocked.Decrement(ref shared.Computing);
                var cpuAfter = _cpuReadable ? options.ThreadCpuClock!() : null;
                if (cpuBefore is { } b && cpuAfter is { } a)
                {
                    _cpuInUnits += a - b;
                }
                else
                {
                    _cpuReadable = false;
                }
                state.Add(new Step(StepKind.Compute, start, end));
                Timed(StepKind.Lock, gil.Tick);
            }
        }

        private void BlockWithoutTheLock(Block block)
        {
            _holding = false;
            Timed(StepKind.Lock, gil.Release);
            var from = Stopwatch.GetTimestamp();
            Thread.Sleep(block.Duration);
            state.Add(new Step(StepKind.Block, from, Stopwatch.GetTimestamp()));
            Timed(StepKind.Lock, gil.Acquire);
            _holding = true;
        }

        /// <summary>Releases the lock if it is still held, and keeps the thread's CPU time and wake-ups.</summary>
        private void Finish(TimeSpan? cpuAtStart, long? wakeupsAtStart)
        {
            if (_holding)
            {
                try
                {
                    gil.Release();
                }
                catch (Exception e)
                {
                    state.Error ??= e;
                }
            }
            var cpuAtEnd = options.ThreadCpuClock?.Invoke();
            if (_cpuReadable && cpuAtStart is { } cpuStart && cpuAtEnd is { } cpuEnd)
            {
                state.CpuTotal = cpuEnd - cpuStart;
                state.CpuInUnits = _cpuInUnits;
            }
            if (wakeupsAtStart is { } w0 && options.ThreadWakeups?.Invoke() is { } w1)
            {
                state.Wakeups = w1 - w0;
            }
            state.Finished = true;
        }

        private void Timed(StepKind kind, Action call)
        {
            var start = Stopwatch.GetTimestamp();
            call();
            var end = Stopwatch.GetTimestamp();
            if (end - start >= LockStepThreshold)
            {
                state.Add(new Step(kind, start, end));
            }
        }
    }

    private sealed class State(InterpretedProgram program)
    {
        private readonly List<Step> _steps = [];

        public InterpretedProgram Program { get; } = program;

        public int ThreadId { get; set; }

        public long StartTicks { get; set; }

        private volatile bool _finished;

        public bool Finished
        {
            get => _finished;
            set => _finished = value;
        }

        public Exception? Error { get; set; }

        public TimeSpan? CpuTotal { get; set; }

        public TimeSpan? CpuInUnits { get; set; }

        public long? Wakeups { get; set; }

        public void Add(Step step)
        {
            lock (_steps)
            {
                _steps.Add(step);
            }
        }

        public ProgramTrace Snapshot()
        {
            lock (_steps)
            {
                var finished = Finished;
                return new ProgramTrace(Program.Name, ThreadId, [.. _steps], finished, Error,
                    finished ? CpuTotal : null, finished ? CpuInUnits : null, finished ? Wakeups : null, StartTicks);
            }
        }
    }
}
