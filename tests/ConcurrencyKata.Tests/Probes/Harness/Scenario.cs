using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Xunit.Sdk;

namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// One test's probes: a span recorder, an in-flight counter and a kill switch (<see cref="Abort"/>)
/// that every fake honours. Disposing the scenario pulls the switch, so nothing a test started
/// keeps running after it, whatever the code under test did.
/// </summary>
public sealed class Scenario : IDisposable
{
    private readonly CancellationTokenSource _abort = new();

    private readonly ConcurrentDictionary<int, Thread> _observedThreads = new();
    private readonly ConcurrentDictionary<int, Process> _ownedProcesses = new();

    public SpanRecorder Spans { get; } = new();

    public InFlightCounter InFlight { get; } = new();

    public Scenario() => Abort = _abort.Token;

    /// <summary>
    /// Cancelled when the test is over or has given up waiting: releases every fake. Safe to read
    /// from any thread at any time, also after the scenario is disposed (a fake answering late).
    /// </summary>
    public CancellationToken Abort { get; }

    /// <summary>
    /// Runs <paramref name="action"/> on the thread pool (away from the test framework's own
    /// synchronization context) and waits for it on the test thread, for at most
    /// <paramref name="timeout"/>. The wait needs no pool thread, so even code that starves the
    /// pool cannot hang the test. On timeout the kill switch is pulled and the test fails with
    /// <paramref name="whatWasExpected"/>, the likely causes and the timeline.
    /// </summary>
    public T Run<T>(Func<Task<T>> action, TimeSpan timeout, string whatWasExpected)
    {
        var task = Task.Run(action);
        return Wait(task, timeout, whatWasExpected);
    }

    public void Run(Func<Task> action, TimeSpan timeout, string whatWasExpected)
        => Run(async () => { await action().ConfigureAwait(false); return true; }, timeout, whatWasExpected);

    /// <summary>Waits for <paramref name="task"/> as <see cref="Run{T}"/> does, and returns its result or rethrows its exception as itself.</summary>
    public T Wait<T>(Task<T> task, TimeSpan timeout, string whatWasExpected)
    {
        var started = Stopwatch.GetTimestamp();
        if (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(timeout))
        {
            var waited = Stopwatch.GetElapsedTime(started);
            _abort.Cancel();
            throw Fail(
                $"{whatWasExpected}\n" +
                $"Observed: still not finished after {waited.TotalMilliseconds:0} ms, so the test gave up waiting.\n" +
                "Look for: a wait that never ends (an `await` on something nobody completes), a deadlock " +
                "(`.Result`/`.Wait()` on a thread the work needs), or work done one after another.");
        }
        if (task.IsFaulted)
        {
            var inner = task.Exception!.InnerExceptions.Count == 1 ? task.Exception.InnerException! : task.Exception;
            ExceptionDispatchInfo.Capture(inner).Throw();
        }
        return task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Waits for a call made on <paramref name="loop"/>. If it does not finish in time and the loop
    /// has stopped running anything, the failure says "deadlock suspected" and names the usual cause.
    /// </summary>
    public T Wait<T>(SingleThreadLoop loop, LoopCall<T> call, TimeSpan timeout, string whatWasExpected)
    {
        try
        {
            return Wait(call.Task, timeout, whatWasExpected);
        }
        catch (XunitException) when (loop.BeatsSince(Stopwatch.GetTimestamp() - Stopwatch.Frequency / 2) == 0)
        {
            throw Fail(
                $"{whatWasExpected}\n" +
                $"Observed: deadlock suspected: the event loop's only thread has run nothing for at least 500 ms, and the call has not finished after {timeout.TotalMilliseconds:0} ms.\n" +
                "Look at: .Result or .Wait() on the loop's thread. It blocks the one thread that could run the continuation it is waiting for, " +
                "so neither can ever go on. Use await instead.");
        }
    }

    /// <summary>Runs <paramref name="action"/> and returns the exception it ended with (or null), waiting at most <paramref name="timeout"/>.</summary>
    public Exception? Catch<T>(Func<Task<T>> action, TimeSpan timeout, string whatWasExpected)
        => Attempt(action, timeout, whatWasExpected).Error;

    /// <summary>
    /// Runs <paramref name="action"/> as <see cref="Run{T}"/> does and returns its value or the
    /// exception it ended with; only a timeout fails the test.
    /// </summary>
    public (T? Value, Exception? Error) Attempt<T>(Func<Task<T>> action, TimeSpan timeout, string whatWasExpected)
    {
        try
        {
            return (Run(action, timeout, whatWasExpected), null);
        }
        catch (XunitException)
        {
            throw;
        }
        catch (Exception e)
        {
            return (default, e);
        }
    }

    /// <summary>
    /// Waits until every participant of <paramref name="gate"/> has checked in. Ends early when
    /// <paramref name="underTest"/> finishes first: its exception is rethrown as itself (a stub's
    /// NotImplementedException, say); otherwise the test fails with <paramref name="explain"/>.
    /// </summary>
    /// <remarks><paramref name="explain"/> gets how many had arrived and how long the test had waited.</remarks>
    public void WaitForArrivals(StartGate gate, Task underTest, TimeSpan timeout, Func<int, TimeSpan, string> explain)
    {
        var started = Stopwatch.GetTimestamp();
        var deadline = started + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!gate.WaitForAll(TimeSpan.FromMilliseconds(20)))
        {
            if (underTest.IsCompleted && !gate.WaitForAll(TimeSpan.FromMilliseconds(50)))
            {
                ThrowIfEnded(underTest);
                throw Fail(explain(gate.Arrived, Stopwatch.GetElapsedTime(started)) + "\nThe call had already returned, without waiting for the fetches it had not started.");
            }
            if (Stopwatch.GetTimestamp() > deadline)
            {
                var arrived = gate.Arrived;
                _abort.Cancel();
                throw Fail(explain(arrived, Stopwatch.GetElapsedTime(started)));
            }
        }
    }

    /// <summary>
    /// Calls <paramref name="call"/> on a thread of its own and waits at most
    /// <paramref name="timeout"/> for it to return. A call that blocks its caller is reported
    /// with <paramref name="whatWasExpected"/> instead of hanging the test.
    /// </summary>
    public T CallOnOwnThread<T>(Func<T> call, TimeSpan timeout, string whatWasExpected)
    {
        var started = StartOnOwnThread(call);
        if (!((IAsyncResult)started).AsyncWaitHandle.WaitOne(timeout))
        {
            _abort.Cancel();
            throw Fail(
                $"{whatWasExpected}\n" +
                $"Observed: the call had not returned to its caller after {timeout.TotalMilliseconds:0} ms.");
        }
        return started.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Starts <paramref name="call"/> on a (background) thread of its own, as a caller that blocks
    /// would be, and returns at once: the task ends with the call's result or exception. Wait for
    /// it with <see cref="Wait{T}(Task{T}, TimeSpan, string)"/>, which bounds the wait.
    /// </summary>
    public Task<T> StartOnOwnThread<T>(Func<T> call)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                done.TrySetResult(call());
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        })
        { IsBackground = true, Name = "kata caller" };
        thread.Start();
        return done.Task;
    }

    /// <summary>
    /// Starts <paramref name="action"/> on the thread pool and waits until <paramref name="until"/>
    /// holds (for example "3 fetches have started"), at most <paramref name="patience"/>. If the
    /// call ends first with an exception (a stub's NotImplementedException, say) that exception is
    /// rethrown at once, as itself. <paramref name="reached"/> says whether the condition held.
    /// </summary>
    public Task<T> Start<T>(Func<Task<T>> action, Func<bool> until, TimeSpan patience, out bool reached)
    {
        var call = Task.Run(action);
        SpinWait.SpinUntil(() => until() || call.IsCompleted, patience);
        reached = until();
        ThrowIfEnded(call);
        return call;
    }

    /// <summary>
    /// If the call under test has already ended with an exception (a stub's
    /// NotImplementedException, say), rethrows it as itself so the learner sees it first.
    /// </summary>
    public void ThrowIfEnded(Task call)
    {
        if (call.IsFaulted || call.IsCanceled)
        {
            Wait(AsObjectTask(call), TimeSpan.FromSeconds(1), "");
        }
    }

    private static async Task<object?> AsObjectTask(Task task)
    {
        await task.ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// Calls <paramref name="method"/> once per parameter with that parameter null, and fails
    /// unless each call is rejected with an <see cref="ArgumentNullException"/> naming it: thrown
    /// by the call, or in the task it returns (both are accepted).
    /// </summary>
    public void CheckNullArgumentsRejected(string method, params (string Parameter, Func<Task> Call)[] calls)
    {
        var wrong = new List<string>();
        foreach (var (parameter, call) in calls)
        {
            var error = Catch(async () =>
            {
                await call().ConfigureAwait(false);
                return true;
            }, TimeSpan.FromSeconds(3), $"Expected {method} with {parameter} = null to be rejected at once.");
            if (error is not ArgumentNullException { ParamName: var name } || name != parameter)
            {
                wrong.Add($"{parameter} = null gave {Explain.Exception(error)}{(error is ArgumentNullException a ? $" naming \"{a.ParamName}\"" : "")}");
            }
        }
        Check(wrong.Count == 0, () =>
            $"Expected {method} to reject a null argument with ArgumentNullException naming the parameter " +
            "(thrown by the call, or in the task it returns: both are accepted).\n" +
            $"Observed: {string.Join("; ", wrong)}.\n" +
            $"Look at: ArgumentNullException.ThrowIfNull({string.Join(") and ArgumentNullException.ThrowIfNull(", calls.Select(c => c.Parameter))}) first thing; " +
            "without it the mistake surfaces later, as a NullReferenceException far from its cause.");
    }

    /// <summary>
    /// Fails when the code under test holds threads while its operations wait: compared with
    /// <paramref name="before"/> (a <see cref="ThreadCensus.HeldThroughout"/> reading taken before
    /// the call), any thread-pool thread busy for the whole window, or a few threads of its own,
    /// mean threads parked on a wait. Awaiting holds none.
    /// </summary>
    /// <param name="poolThreadsTolerated">Pool threads the platform itself holds for waits that hold none elsewhere (stated in the check's <see cref="PlatformLimitAttribute"/>).</param>
    /// <returns>What was held, over what was there before.</returns>
    public ThreadCensus.Count CheckNoThreadHeld(ThreadCensus.Count before, string whileWhat, string lookAt, int poolThreadsTolerated = 0)
    {
        var held = ThreadCensus.HeldThroughout(TimeSpan.FromMilliseconds(300)).Minus(before);
        Check(held.BusyPoolThreads <= poolThreadsTolerated && held.OtherThreads <= ThreadCensus.OtherThreadsTolerated, () =>
            (poolThreadsTolerated == 0
                ? $"Expected no thread to be held {whileWhat}: waiting with await holds none.\n"
                : $"Expected no more than {poolThreadsTolerated} pool threads to be held {whileWhat}: what awaiting costs on this platform.\n") +
            $"Observed: {held} held for the whole 300 ms the test looked (counted over what was there before the call).\n" +
            $"Look at: {lookAt}");
        return held;
    }

    /// <summary>
    /// Remembers a thread of the code's own (not a pool thread) that ran work (the probes call this
    /// for every unit of work), so that <see cref="ThreadsLeftBehind"/> can tell whether it outlived the call.
    /// </summary>
    public void Observe(Thread thread)
    {
        if (!thread.IsThreadPoolThread)
        {
            _observedThreads.TryAdd(thread.ManagedThreadId, thread);
        }
    }

    /// <summary>
    /// Takes charge of a child process the code under test started (the probes are told its
    /// PID): when the test ends it is killed if it is still running, so no child outlives a test.
    /// </summary>
    public void Own(Process process) => _ownedProcesses.TryAdd(process.Id, process);

    /// <summary>
    /// Threads of the code's own (not the pool's, not the test's) that ran observed work and are
    /// still alive after <paramref name="grace"/>: threads the call left behind.
    /// </summary>
    public IReadOnlyList<Thread> ThreadsLeftBehind(TimeSpan grace)
    {
        var own = _observedThreads.Values.Where(t => t != Thread.CurrentThread).ToList();
        var until = Stopwatch.GetTimestamp() + (long)(grace.TotalSeconds * Stopwatch.Frequency);
        foreach (var thread in own)
        {
            thread.Join(TimeLeft(until));
        }
        return own.Where(t => t.IsAlive).ToList();
    }

    /// <summary>What is left until <paramref name="until"/> (a Stopwatch timestamp), never negative: one grace period shared by several waits.</summary>
    private static TimeSpan TimeLeft(long until)
    {
        var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), until);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    /// <summary>Owned child processes still running after <paramref name="grace"/>.</summary>
    public IReadOnlyList<Process> ProcessesLeftBehind(TimeSpan grace)
    {
        var until = Stopwatch.GetTimestamp() + (long)(grace.TotalSeconds * Stopwatch.Frequency);
        var running = new List<Process>();
        foreach (var process in _ownedProcesses.Values)
        {
            if (!process.WaitForExit(TimeLeft(until)))
            {
                running.Add(process);
            }
        }
        return running;
    }

    /// <summary>Fails unless every thread of the code's own and every owned process has ended within <paramref name="grace"/>.</summary>
    public void CheckNothingLeftBehind(TimeSpan grace, string call)
    {
        var threads = ThreadsLeftBehind(grace);
        var processes = ProcessesLeftBehind(grace);
        Check(threads.Count == 0 && processes.Count == 0, () =>
            $"Expected every thread and process that {call} started to have ended when it returned.\n" +
            $"Observed: still running after {grace.TotalMilliseconds:0} ms: " +
            string.Join(", ", threads.Select(t => $"thread T{t.ManagedThreadId}{(t.Name is { } n ? $" \"{n}\"" : "")}").Concat(processes.Select(p => $"process {p.Id}"))) + ".\n" +
            "Look at: Join every thread you start (and wait for every process) before returning, on every path: after a failure too.");
    }

    /// <summary>
    /// Builds a failure whose message ends with this scenario's timeline, when the check recorded
    /// any operation (a check about a loop's wake-ups or a null argument has nothing to draw).
    /// </summary>
    public XunitException Fail(string message)
        => new(Spans.Snapshot().Count == 0 ? message.TrimEnd() : $"{message.TrimEnd()}\n\n{Spans.Render()}");

    /// <summary>Fails the test with <paramref name="message"/> and the timeline unless <paramref name="condition"/> holds.</summary>
    public void Check(bool condition, Func<string> message)
    {
        if (!condition)
        {
            throw Fail(message());
        }
    }

    public void Dispose()
    {
        Host.TimelineLog.Record(Spans);
        _abort.Cancel();
        _abort.Dispose();
        // no child outlives its test, whatever the code under test did: those it told of, and any
        // worker process it started without saying (found by the operating system, on Linux)
        ChildProcesses.KillAll();
        foreach (var process in _ownedProcesses.Values)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
                // it was never started, or has gone already
            }
            process.Dispose();
        }
    }
}
