using System.Collections.Concurrent;

namespace ConcurrencyKata.Tests.Probes;

/// <summary>What one call of a <see cref="ControlledWork{TIn, TOut}"/> item saw: its input and the thread that ran it.</summary>
public sealed record WorkCall<TIn>(TIn Input, Thread Thread, int ThreadId, bool IsThreadPoolThread);

/// <summary>
/// Units of work for code that runs work on threads (<c>Func&lt;TIn, TOut&gt;</c>), controlled
/// as <see cref="ControlledFetcher"/> controls fetches: every call checks in at once (counted,
/// drawn on the timeline on its thread's lane), then <em>blocks its thread</em> until the test
/// answers or fails that input, in any order. Nothing finishes by itself, so the test decides
/// exactly what is in progress when, without a clock. Each call records the thread that ran it
/// (its identity, whether it belongs to the thread pool) and hands it to the scenario, which
/// can then tell whether any of them outlived the call under test.
/// </summary>
public sealed class ControlledWork<TIn, TOut> where TIn : notnull
{
    private readonly Scenario _scenario;
    private readonly Func<TIn, TOut> _answerOf;
    private readonly ConcurrentQueue<WorkCall<TIn>> _calls = new();
    private readonly ConcurrentDictionary<TIn, TaskCompletionSource<TOut>> _answers = new();
    private readonly ConcurrentDictionary<TIn, bool> _finished = new();

    /// <param name="scenario">The test's probes; its kill switch releases every blocked item.</param>
    /// <param name="answerOf">The value an item answers with when the test answers it.</param>
    public ControlledWork(Scenario scenario, Func<TIn, TOut> answerOf)
    {
        _scenario = scenario;
        _answerOf = answerOf;
        Work = Run;
    }

    /// <summary>The work to hand to the code under test.</summary>
    public Func<TIn, TOut> Work { get; }

    public IReadOnlyList<WorkCall<TIn>> Calls => [.. _calls];

    public int CallCount => _calls.Count;

    /// <summary>Inputs whose call has started and not finished, in the order they started.</summary>
    public IReadOnlyList<TIn> Pending => Calls.Select(c => c.Input).Where(i => !_finished.ContainsKey(i)).ToList();

    /// <summary>Blocks the test thread until at least <paramref name="count"/> calls have started, or the timeout passes.</summary>
    public bool WaitForCalls(int count, TimeSpan timeout) => SpinWait.SpinUntil(() => CallCount >= count, timeout);

    /// <summary>Blocks until the call for <paramref name="input"/> has finished (if it ever started), or the timeout passes.</summary>
    public bool WaitUntilFinished(TIn input, TimeSpan timeout)
        => SpinWait.SpinUntil(() => _finished.ContainsKey(input) || !Calls.Any(c => Equals(c.Input, input)), timeout);

    public void Answer(TIn input) => AnswerFor(input).TrySetResult(_answerOf(input));

    public void Fail(TIn input, Exception error) => AnswerFor(input).TrySetException(error);

    /// <summary>Answers every input, including ones not started yet (they will answer at once).</summary>
    public void AnswerAll(IEnumerable<TIn> inputs)
    {
        foreach (var input in inputs)
        {
            Answer(input);
        }
    }

    private TOut Run(TIn input)
    {
        var thread = Thread.CurrentThread;
        _scenario.Observe(thread);
        using var span = _scenario.Spans.Begin($"work {input}");
        using var inFlight = _scenario.InFlight.Enter();
        // counted last: a test that sees the call (WaitForCalls) also sees it in flight and its thread observed
        _calls.Enqueue(new WorkCall<TIn>(input, thread, thread.ManagedThreadId, thread.IsThreadPoolThread));
        try
        {
            // the thread waits here, blocked, as real work would keep it busy
            var answer = AnswerFor(input).Task;
            answer.Wait(_scenario.Abort);
            return answer.GetAwaiter().GetResult();
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException!);
            throw;
        }
        finally
        {
            _finished[input] = true;
        }
    }

    private TaskCompletionSource<TOut> AnswerFor(TIn input)
        => _answers.GetOrAdd(input, _ => new TaskCompletionSource<TOut>(TaskCreationOptions.RunContinuationsAsynchronously));
}
