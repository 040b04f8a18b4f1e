using System.Diagnostics;

namespace ConcurrencyKata.Tests.Ex04;

/// <summary>
/// Exercise 04-non-blocking: ChecksumReport.BuildAsync runs on a single-threaded event loop
/// (like a UI thread) whose heartbeat must keep beating.
/// </summary>
public sealed class ChecksumReportTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    private static List<string> Keys(int count) => FakeFetcher.Keys(count, prefix: "doc");

    private static long Expected(string key) => DocumentChecksum.Compute(FakeFetcher.ValueOf(key));

    [Fact]
    public void The_checksums_are_right_and_in_the_order_of_the_keys()
    {
        using var scenario = new Scenario();
        using var loop = new SingleThreadLoop();
        var keys = Keys(4);
        var fetcher = new FakeFetcher(scenario, FakeFetcher.After(TimeSpan.FromMilliseconds(20)));

        var call = loop.Start(() => ChecksumReport.BuildAsync(fetcher, keys));
        var sums = scenario.Wait(loop, call, Patience, "Expected BuildAsync to finish.");

        scenario.Check(sums.SequenceEqual(keys.Select(Expected)), () =>
            $"Expected each value to be DocumentChecksum.Compute of that key's document, in key order: {Explain.List(keys.Select(Expected))}.\n" +
            $"Observed: {Explain.List(sums)}.");
    }

    [Fact]
    public void The_fetches_overlap()
    {
        using var scenario = new Scenario();
        using var loop = new SingleThreadLoop();
        var keys = Keys(4);
        var fetcher = new ControlledFetcher(scenario);

        var call = loop.Start(() => ChecksumReport.BuildAsync(fetcher, keys));
        var all = fetcher.WaitForCalls(keys.Count, TimeSpan.FromSeconds(2));
        var asked = fetcher.CallCount;
        fetcher.AnswerAll(keys);

        scenario.Check(all, () =>
            $"Expected all {keys.Count} documents to be requested before any has arrived.\n" +
            $"Observed: {asked} requested; the code waits for each document before asking for the next.\n" +
            "Look at: start every fetch first (or one small async pipeline per key), then await them together.");
        scenario.Wait(loop, call, Patience, "Expected BuildAsync to finish once the documents arrived.");
    }

    [Fact]
    public void No_checksum_is_computed_on_the_event_loop_thread()
    {
        using var scenario = new Scenario();
        using var loop = new SingleThreadLoop();
        using var watch = new DigestWatch(scenario, label: "checksum");
        var keys = Keys(4);
        var fetcher = new FakeFetcher(scenario, FakeFetcher.After(TimeSpan.FromMilliseconds(20)));

        var call = loop.Start(() => ChecksumReport.BuildAsync(fetcher, keys));
        scenario.Wait(loop, call, Patience, "Expected BuildAsync to finish.");

        var onLoop = watch.Digests.Where(d => d.ThreadId == loop.ThreadId).Select(d => d.Key).ToList();
        scenario.Check(watch.Digests.Count > 0 && onLoop.Count == 0, () =>
            $"Expected every checksum to be computed off the event loop's thread (T{loop.ThreadId}): each takes a fraction of a second of pure CPU.\n" +
            $"Observed: {(watch.Digests.Count == 0 ? "DocumentChecksum.Compute was never called" : $"{onLoop.Count} of {watch.Digests.Count} ran on T{loop.ThreadId}")}.\n" +
            "Look at: awaiting does not move computation anywhere. By default an await resumes on the loop (it captured the loop's " +
            "SynchronizationContext); with ConfigureAwait(false) it resumes wherever the awaited task finished, or right here if it had already finished. " +
            "Hand the work to the thread pool: await Task.Run(() => DocumentChecksum.Compute(document)).");
    }

    [Fact]
    public void The_event_loop_keeps_its_heartbeat_while_the_report_is_built()
    {
        using var scenario = new Scenario();
        using var loop = new SingleThreadLoop(TimeSpan.FromMilliseconds(10));
        var keys = Keys(4);
        var fetchTime = TimeSpan.FromMilliseconds(400);
        var limit = TimeSpan.FromMilliseconds(250);
        var fetcher = new FakeFetcher(scenario, FakeFetcher.After(fetchTime));
        using var watch = new DigestWatch(scenario, label: "checksum");
        SpinWait.SpinUntil(() => loop.BeatsSince(0) >= 3, Patience);

        var from = Stopwatch.GetTimestamp();
        var call = loop.Start(() => ChecksumReport.BuildAsync(fetcher, keys));
        scenario.Wait(loop, call, Patience, "Expected BuildAsync to finish.");
        var gap = loop.LargestGapSince(from);

        scenario.Check(gap < limit, () =>
            $"Expected the event loop to stay responsive: its heartbeat runs every 10 ms, and the longest silence should stay under {limit.TotalMilliseconds:0} ms.\n" +
            $"Observed: a silence of {gap.TotalMilliseconds:0} ms. Each fetch takes {fetchTime.TotalMilliseconds:0} ms and each checksum a fraction of a second of CPU: " +
            "the loop's thread was blocked waiting or busy computing.\n" +
            "Look at: .Result, .Wait() and Task.WaitAll block the loop; DocumentChecksum.Compute inline keeps it busy.");
    }

    [Fact]
    public void BuildAsync_returns_a_pending_task_at_once()
    {
        using var scenario = new Scenario();
        using var loop = new SingleThreadLoop();
        var keys = Keys(3);
        var fetcher = new ControlledFetcher(scenario);

        var call = loop.Start(() => ChecksumReport.BuildAsync(fetcher, keys));
        var completedOnReturn = call.WasCompleteOnReturn(TimeSpan.FromSeconds(2));
        fetcher.AnswerAll(keys);

        scenario.Check(completedOnReturn == false, () =>
            "Expected BuildAsync to return an unfinished task at once while the documents are still on their way.\n" +
            (completedOnReturn is null
                ? "Observed: the call had not returned after 2 s: it blocked the loop's thread waiting for a document.\n"
                : "Observed: the returned task was already complete, so all the work happened before the call returned.\n") +
            "Look at: make the method async and await the fetches instead of reading .Result.");
        scenario.Wait(loop, call, Patience, "Expected BuildAsync to finish once the documents arrived.");
    }

    [Fact]
    public void Cached_documents_are_checksummed_off_the_event_loop_too()
    {
        using var scenario = new Scenario();
        using var loop = new SingleThreadLoop();
        using var watch = new DigestWatch(scenario, label: "checksum");
        var keys = Keys(3);
        var fetcher = new CachedFetcher(scenario);

        var call = loop.Start(() => ChecksumReport.BuildAsync(fetcher, keys));
        var sums = scenario.Wait(loop, call, Patience, "Expected BuildAsync to finish: every document is already in the cache.");

        var onLoop = watch.Digests.Where(d => d.ThreadId == loop.ThreadId).ToList();
        scenario.Check(watch.Digests.Count > 0 && onLoop.Count == 0, () =>
            $"Expected every checksum to be computed off the event loop's thread (T{loop.ThreadId}), also when the fetch answers from a cache.\n" +
            $"Observed: {(watch.Digests.Count == 0 ? "DocumentChecksum.Compute was never called" : $"{onLoop.Count} of {watch.Digests.Count} ran on T{loop.ThreadId}")}.\n" +
            "An await on a task that is already complete does not pause and does not move: the code after it runs on, on the loop. " +
            "ConfigureAwait(false) changes where code resumes after a real pause; here there is none.\n" +
            "Look at: hand the computation to the pool explicitly: await Task.Run(() => DocumentChecksum.Compute(document)).");
        scenario.Check(sums.SequenceEqual(keys.Select(Expected)), () =>
            $"Expected the checksums of the documents, in key order.\nObserved: {Explain.List(sums)}.");
    }

    [Fact]
    public void No_thread_is_held_while_the_documents_are_on_their_way()
    {
        using var scenario = new Scenario();
        using var loop = new SingleThreadLoop();
        var keys = Keys(16);
        var fetcher = new ControlledFetcher(scenario);
        var before = ThreadCensus.HeldThroughout(TimeSpan.FromMilliseconds(100));

        var call = loop.Start(() => ChecksumReport.BuildAsync(fetcher, keys));
        var all = SpinWait.SpinUntil(() => fetcher.CallCount == keys.Count || call.Task.IsCompleted, TimeSpan.FromSeconds(3));
        scenario.ThrowIfEnded(call.Task);
        scenario.Check(all, () =>
            $"Expected all {keys.Count} documents to be requested before any has arrived.\nObserved: {fetcher.CallCount} requested after 3 s.\n" +
            "Look at: a thread blocked on each document's .Result asks for the documents only as fast as the pool hands out threads.");
        scenario.CheckNoThreadHeld(before, $"while {keys.Count} documents are on their way",
            "a thread per document blocked on .Result (Task.Run(() => Compute(fetch.Result))), or Task.WaitAll inside Task.Run. " +
            "Await each document, then Task.Run only the computation.");
        // no document ever arrives: the scenario's kill switch cancels the fetches when the test ends
    }

    [Fact]
    public void When_the_caller_cancels_every_request_is_cancelled_and_the_report_ends()
    {
        using var scenario = new Scenario();
        using var loop = new SingleThreadLoop();
        using var caller = new CancellationTokenSource();
        var keys = Keys(4);
        var fetcher = new ControlledFetcher(scenario);

        var call = loop.Start(() => ChecksumReport.BuildAsync(fetcher, keys, caller.Token));
        SpinWait.SpinUntil(() => fetcher.CallCount == keys.Count || call.Task.IsCompleted, TimeSpan.FromSeconds(3));
        scenario.ThrowIfEnded(call.Task);
        caller.Cancel();

        var error = scenario.Catch(() => call.Task, Patience, "Expected BuildAsync to end soon after the caller cancelled (no document ever arrives).");
        var deaf = fetcher.Calls.NotCancelled();
        scenario.Check(fetcher.CallCount > 0 && deaf.Count == 0, () =>
            "Expected every request to see the caller's cancellation.\n" +
            $"Observed: {(fetcher.CallCount == 0 ? "no document was requested" : $"{Explain.List(deaf)} kept a token that was never cancelled")}.\n" +
            "Look at: pass cancellationToken to every FetchAsync call (and to Task.Run).");
        scenario.Check(error is OperationCanceledException, () =>
            $"Expected an OperationCanceledException once the caller cancelled.\nObserved: {Explain.Exception(error)}.");
    }

    [Fact]
    public void Null_arguments_are_rejected_with_ArgumentNullException()
    {
        using var scenario = new Scenario();
        var fetcher = new ControlledFetcher(scenario);

        scenario.CheckNullArgumentsRejected("BuildAsync",
            ("fetcher", () => ChecksumReport.BuildAsync(null!, Keys(2))),
            ("keys", () => ChecksumReport.BuildAsync(fetcher, null!)));
    }
}
