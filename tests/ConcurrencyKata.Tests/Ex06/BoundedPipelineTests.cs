namespace ConcurrencyKata.Tests.Ex06;

/// <summary>
/// Exercise 06-pipeline: the source is read only as fast as the consumers finish, exactly
/// `consumers` calls run at once, and a failure stops everything.
/// </summary>
public sealed class BoundedPipelineTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(3);

    private static CountingSource SourceFor(Scenario scenario, int count)
        => new(count, () => scenario.InFlight.Total - scenario.InFlight.Current);

    /// <summary>Starts the pipeline and waits until <paramref name="busy"/> calls are in progress (or the run has ended).</summary>
    private static Task<IReadOnlyList<string>> Start(Scenario scenario, ControlledFetcher calls, CountingSource source, int capacity, int consumers, int busy, out bool reached, CancellationToken token = default)
        => scenario.Start(() => BoundedPipeline.RunAsync(source.ReadAsync(), calls.FetchAsync, capacity, consumers, token), () => calls.CallCount >= busy, Patience, out reached);

    [Fact]
    public void The_source_is_read_no_further_ahead_than_the_buffer_and_the_stages_can_hold()
    {
        using var scenario = new Scenario();
        var calls = new ControlledFetcher(scenario);
        var source = SourceFor(scenario, 60);
        // capacity in the buffer, one in each consumer's hands, and one the producer may hold while it waits for room
        const int capacity = 3, consumers = 2, bound = capacity + consumers + 1;

        var run = Start(scenario, calls, source, capacity, consumers, busy: consumers, out _);
        // nothing finishes now: give the producer every chance to run ahead
        SpinWait.SpinUntil(() => source.Read > bound, TimeSpan.FromMilliseconds(300));
        var readWhileStuck = source.Read;

        // then let items through one at a time, oldest first
        for (var step = 0; step < 10 && calls.Pending.Count > 0; step++)
        {
            var oldest = calls.Pending[0];
            calls.Answer(oldest);
            calls.WaitUntilFinished(oldest, Patience);
            SpinWait.SpinUntil(() => source.Read > bound + step + 1, TimeSpan.FromMilliseconds(50));
        }
        calls.AnswerAll(source.Items);
        var outputs = scenario.Wait(run, Patience, "Expected the pipeline to finish once every call had answered.");

        scenario.Check(source.MaxAhead <= bound, () =>
            $"Expected at most capacity + consumers + 1 = {capacity} + {consumers} + 1 = {bound} items out of the source and not yet processed: " +
            "a full buffer, one item in each consumer's hands, and one the producer holds while it waits for room.\n" +
            $"Observed: up to {source.MaxAhead} (and {readWhileStuck} items read while no call could finish).\n" +
            (source.MaxAhead <= bound + consumers + 1
                ? "A few too many: is the buffer bigger than `capacity`, or does a stage read ahead besides the buffer?\n"
                : "Look at: the buffer must be bounded (Channel.CreateBounded(capacity)) so the producer waits when it is full.\n"));
        scenario.Check(outputs.SequenceEqual(source.Items.Select(FakeFetcher.ValueOf)), () =>
            "Expected the outputs in source order, whatever order the calls finish in (this check answers them in an order of its own).\n" +
            $"Observed: {Explain.List(outputs)}.\nLook at: number the items as you read them and put each output at its number.");
    }

    [Fact]
    public void Exactly_consumers_calls_run_at_once_never_more()
    {
        using var scenario = new Scenario();
        var calls = new ControlledFetcher(scenario);
        var source = SourceFor(scenario, 12);
        const int consumers = 3;

        var run = Start(scenario, calls, source, capacity: 2, consumers, busy: consumers, out var reached);
        var atOnce = calls.CallCount;
        calls.AnswerOneAtATime(run, newestFirst: false, busy: consumers, total: source.Count, Patience, settle: TimeSpan.FromMilliseconds(200));
        calls.AnswerAll(source.Items);
        scenario.Wait(run, Patience, "Expected the pipeline to finish once every call had answered.");

        scenario.Check(reached, () =>
            $"Expected {consumers} `process` calls in progress at once (consumers = {consumers}).\n" +
            $"Observed: {atOnce} after {Patience.TotalSeconds:0} s while none could finish.\n" +
            "Look at: start `consumers` consumer loops, each taking the next item as soon as it is free.");
        scenario.Check(scenario.InFlight.Max == consumers, () =>
            $"Expected never more than {consumers} calls in progress. Observed: a peak of {scenario.InFlight.Max}.");
    }

    [Fact]
    public void No_thread_is_held_while_the_calls_in_progress_wait()
    {
        using var scenario = new Scenario();
        var calls = new ControlledFetcher(scenario);
        var source = SourceFor(scenario, 40);
        const int consumers = 6;
        var before = ThreadCensus.HeldThroughout(TimeSpan.FromMilliseconds(100));

        var run = Start(scenario, calls, source, capacity: 2, consumers, busy: consumers, out var reached);
        scenario.Check(reached, () => $"Expected {consumers} calls in progress at once.\nObserved: {calls.CallCount} after {Patience.TotalSeconds:0} s.");
        scenario.CheckNoThreadHeld(before, $"while {consumers} calls wait to finish",
            "a consumer that blocks on process(...).Result, or a thread per consumer that waits synchronously, holds a thread for nothing. " +
            "Await the calls: consumers are async loops, not threads.");
        // nothing ever answers: the scenario's kill switch cancels the calls when the test ends
    }

    [Fact]
    public void Outputs_come_back_in_source_order()
    {
        using var scenario = new Scenario();
        var calls = new ControlledFetcher(scenario);
        var source = SourceFor(scenario, 8);

        var run = Start(scenario, calls, source, capacity: 2, consumers: 3, busy: 1, out _);
        calls.AnswerOneAtATime(run, newestFirst: true, busy: 3, total: source.Count, Patience, settle: TimeSpan.FromMilliseconds(200));
        calls.AnswerAll(source.Items);

        var outputs = scenario.Wait(run, Patience, "Expected the pipeline to finish once every call had answered.");
        scenario.Check(outputs.SequenceEqual(source.Items.Select(FakeFetcher.ValueOf)), () =>
            $"Expected outputs in source order: {Explain.List(source.Items.Select(FakeFetcher.ValueOf))}.\n" +
            $"Observed: {Explain.List(outputs)}.\n" +
            "The test finished the newest call first. Look at: number the items as you read them and put each output at its number.");
    }

    [Fact]
    public void A_failing_call_fails_the_run_stops_the_source_and_cancels_the_calls_in_flight()
    {
        using var scenario = new Scenario();
        var calls = new ControlledFetcher(scenario);
        var source = SourceFor(scenario, 50);
        var failure = new InvalidOperationException("cannot process i0");

        var run = Start(scenario, calls, source, capacity: 2, consumers: 2, busy: 2, out _);
        calls.Fail(CountingSource.Item(0), failure);

        var error = scenario.Catch(() => run, Patience,
            "Expected the pipeline to end soon after a call failed, without waiting for the other call in flight (it never answers by itself).\n" +
            "Look at: cancel the token you passed to the calls in flight.");
        var notCancelled = calls.Calls.NotCancelled(CountingSource.Item(0));

        scenario.Check(ReferenceEquals(error, failure), () =>
            $"Expected the call's own exception: InvalidOperationException(\"cannot process i0\").\nObserved: {Explain.Exception(error)}.");
        scenario.Check(notCancelled.Count == 0, () =>
            $"Expected every other call in flight to see its token cancelled. Observed: {Explain.List(notCancelled)} were not.");
        scenario.Check(!source.ReadToTheEnd && source.Disposed, () =>
            "Expected the pipeline to stop reading the source and dispose it (await using / await foreach do).\n" +
            $"Observed: {source.Read} of {source.Count} read, read to the end: {source.ReadToTheEnd}, disposed: {source.Disposed}.");
    }

    [Fact]
    public void When_the_caller_cancels_the_run_ends_with_OperationCanceledException()
    {
        using var scenario = new Scenario();
        using var caller = new CancellationTokenSource();
        var calls = new ControlledFetcher(scenario);
        var source = SourceFor(scenario, 50);

        var run = Start(scenario, calls, source, capacity: 2, consumers: 2, busy: 2, out _, caller.Token);
        caller.Cancel();

        var error = scenario.Catch(() => run, Patience, "Expected the pipeline to end soon after the caller cancelled.");
        scenario.Check(error is OperationCanceledException, () =>
            $"Expected an OperationCanceledException. Observed: {Explain.Exception(error)}.");
        var deaf = calls.Calls.NotCancelled();
        scenario.Check(deaf.Count == 0, () =>
            "Expected the calls in flight to see the caller's cancellation.\n" +
            $"Observed: {Explain.List(deaf)} kept an uncancelled token.\n" +
            "Look at: pass them a token linked to the caller's.");
        scenario.Check(!source.ReadToTheEnd && source.Disposed, () =>
            $"Expected the source to be abandoned and disposed. Observed: read to the end: {source.ReadToTheEnd}, disposed: {source.Disposed}.");
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(2, 0)]
    public void A_capacity_or_consumer_count_below_one_is_rejected(int capacity, int consumers)
    {
        using var scenario = new Scenario();
        var calls = new ControlledFetcher(scenario);
        var source = SourceFor(scenario, 3);

        var error = scenario.Catch(() => BoundedPipeline.RunAsync(source.ReadAsync(), calls.FetchAsync, capacity, consumers), Patience,
            "Expected invalid arguments to be rejected at once.");

        scenario.Check(error is ArgumentOutOfRangeException, () =>
            $"Expected ArgumentOutOfRangeException for capacity = {capacity}, consumers = {consumers}.\nObserved: {Explain.Exception(error)}.");
        scenario.Check(source.Read == 0, () =>
            $"Expected nothing to be read from the source with capacity = {capacity}, consumers = {consumers}.\nObserved: {source.Read} item(s) read.\n" +
            "Look at: check the arguments before starting the producer.");
    }

    [Fact]
    public void Calls_that_answer_at_the_same_instant_on_several_threads_lose_no_output()
    {
        using var scenario = new Scenario();
        var items = Enumerable.Range(0, 2000).Select(CountingSource.Item).ToList();
        const int consumers = 4;

        var fault = SimultaneousRounds.FirstFault(_ =>
        {
            using var calls = new SimultaneousFetcher(scenario, items, waveSize: consumers);
            var (outputs, error) = scenario.Attempt(() => BoundedPipeline.RunAsync(Ready(items), calls.FetchAsync, capacity: 32, consumers), Patience,
                $"Expected the pipeline over {items.Count} items ({consumers} consumers) to finish: every call answers at once or within milliseconds.");
            return SimultaneousRounds.Judge(outputs, error, calls);
        });

        scenario.Check(fault is null, () =>
            $"Expected every item processed exactly once and every output in source order, when the {consumers} consumers' calls answer at the same " +
            "instant on different threads (and most calls answer at once, from a cache, so the consumers run on without a pause).\n" +
            $"Observed: {fault}\n" +
            "The consumers really run at the same time, on thread-pool threads: a Dictionary, a List or a counter (`index++`) they share " +
            "without a lock loses updates.\n" +
            "Look at: number the items in the producer (one writer), and guard the shared results with a lock (or give each output its own slot).");

        // a source whose items are all there already: reading it never pauses
        static async IAsyncEnumerable<string> Ready(IReadOnlyList<string> items)
        {
            await Task.CompletedTask;
            foreach (var item in items)
            {
                yield return item;
            }
        }
    }

    [Fact]
    public void Null_arguments_are_rejected_with_ArgumentNullException()
    {
        using var scenario = new Scenario();
        var calls = new ControlledFetcher(scenario);
        var source = SourceFor(scenario, 3);

        scenario.CheckNullArgumentsRejected("RunAsync",
            ("source", () => BoundedPipeline.RunAsync<string, string>(null!, calls.FetchAsync, 2, 2)),
            ("process", () => BoundedPipeline.RunAsync<string, string>(source.ReadAsync(), null!, 2, 2)));
    }
}
