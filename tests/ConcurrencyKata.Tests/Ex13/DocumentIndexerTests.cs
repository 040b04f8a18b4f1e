using System.Diagnostics;
using Xunit.Abstractions;

namespace ConcurrencyKata.Tests.Ex13;

/// <summary>
/// Exercise 13-right-tool: DocumentIndexer.IndexAsync fetches documents (I/O: wait, do not hold a
/// thread) and digests them (CPU: DocumentChecksum.Compute, on at most cpuWorkers threads or worker
/// processes at once, really in parallel), the two overlapping. A <see cref="DigestWatch"/> sees
/// every digest, on a thread here or in a worker process.
/// </summary>
public sealed class DocumentIndexerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static List<string> Keys(int count) => FakeFetcher.Keys(count, prefix: "doc");

    private static long Expected(string key) => DocumentChecksum.Compute(FakeFetcher.ValueOf(key));

    /// <summary>
    /// Indexes two cached documents (the first call's costs paid: JIT, worker start-up) and skips the
    /// check when the digests ran in worker processes: the judge can stand in for a digest only here.
    /// </summary>
    private static void SkipUnlessDigestsRunHere(Scenario scenario, string why)
    {
        using var watch = new DigestWatch(scenario);
        scenario.Run(() => DocumentIndexer.IndexAsync(new CachedFetcher(scenario), Keys(2), cpuWorkers: 2), Patience, "Expected IndexAsync over 2 cached documents to finish.");
        Skip.If(watch.Digests.Any(d => d.InWorkerProcess), "the digests ran in worker processes: " + why);
    }

    /// <summary>
    /// Once the call has ended (at <paramref name="endedAt"/>, a Stopwatch timestamp), nothing of it may run on: no digest
    /// starts afterwards, and (Linux) no worker process of the test's is left running 2 s later.
    /// </summary>
    private static void CheckNothingRunsOn(Scenario scenario, DigestWatch watch, long endedAt, string how)
    {
        var late = watch.WatchForLateStarts(endedAt, TimeSpan.FromMilliseconds(50));
        var workers = ChildProcesses.WaitFor(w => w.Count == 0, TimeSpan.FromSeconds(2)) ?? [];
        scenario.Check(late.Count == 0 && workers.Count == 0, () =>
            $"Expected nothing of IndexAsync to run on once it had ended ({how}): no digest starting afterwards, no worker process left.\n" +
            $"Observed: {(late.Count > 0 ? $"digest(s) of {Explain.List(late)} started after the call had ended" : "")}" +
            $"{(late.Count > 0 && workers.Count > 0 ? "; " : "")}{(workers.Count > 0 ? $"worker process(es) {Explain.List(workers)} still running 2 s later" : "")}.\n" +
            "Look at: a call that returns (or throws) while its digests are still queued leaves them running for nobody: wait for them (Task.WhenAll), " +
            "or cancel them and wait for that; end every worker process in a finally.");
    }

    private static string Describe(IReadOnlyDictionary<string, long>? index)
        => index is null ? "null" : index.Count == 0 ? "an empty index" : string.Join(", ", index.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} → {p.Value}"));

    [Fact]
    public void The_index_holds_each_keys_checksum_and_nothing_else()
    {
        using var scenario = new Scenario();
        using var watch = new DigestWatch(scenario);
        var keys = Keys(6);
        var fetcher = new FakeFetcher(scenario, FakeFetcher.After(TimeSpan.FromMilliseconds(20)));

        var index = scenario.Run(() => DocumentIndexer.IndexAsync(fetcher, keys, cpuWorkers: 2), Patience, "Expected IndexAsync over 6 documents to finish.");

        var wrong = keys.Where(k => index is null || !index.TryGetValue(k, out var sum) || sum != Expected(k)).ToList();
        var extra = index?.Keys.Except(keys).ToList() ?? [];
        scenario.Check(wrong.Count == 0 && extra.Count == 0, () =>
            $"Expected an index with one entry per key: the key → DocumentChecksum.Compute(the document fetched for it).\n" +
            $"Expected: {string.Join(", ", keys.Select(k => $"{k} → {Expected(k)}"))}.\n" +
            $"Observed: {Describe(index)}{(wrong.Count > 0 ? $"; missing or wrong: {Explain.List(wrong)}" : "")}{(extra.Count > 0 ? $"; keys that were not asked for: {Explain.List(extra)}" : "")}.\n" +
            "Look at: digest the document, not the key, and keep each checksum with its own key (results may come back in any order).");
    }

    [Fact]
    public void No_keys_give_an_empty_index_and_no_fetch()
    {
        using var scenario = new Scenario();
        var fetcher = new ControlledFetcher(scenario);

        var index = scenario.Run(() => DocumentIndexer.IndexAsync(fetcher, [], cpuWorkers: 2), TimeSpan.FromSeconds(5), "Expected IndexAsync over no keys to finish at once.");

        scenario.Check(index is { Count: 0 } && fetcher.CallCount == 0, () =>
            $"Expected an empty index and no fetch for an empty list of keys.\nObserved: {Describe(index)}, {fetcher.CallCount} fetch(es).");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_event_loop_keeps_its_heartbeat_while_documents_are_fetched_and_digested(bool cached)
    {
        using var scenario = new Scenario();
        using var loop = new SingleThreadLoop(TimeSpan.FromMilliseconds(10));
        using var watch = new DigestWatch(scenario);
        var keys = Keys(6);
        var limit = TimeSpan.FromMilliseconds(250);
        IFetcher fetcher = cached ? new CachedFetcher(scenario) : new FakeFetcher(scenario, FakeFetcher.After(TimeSpan.FromMilliseconds(100)));
        SpinWait.SpinUntil(() => loop.BeatsSince(0) >= 3, Patience);

        var from = Stopwatch.GetTimestamp();
        var call = loop.Start(() => DocumentIndexer.IndexAsync(fetcher, keys, cpuWorkers: 2));
        scenario.Wait(loop, call, Patience, "Expected IndexAsync, called on a single-threaded event loop, to finish.");
        var gap = loop.LargestGapSince(from);
        var onLoop = watch.Digests.Where(d => !d.InWorkerProcess && d.ThreadId == loop.ThreadId).Select(d => d.Key).ToList();

        scenario.Check(gap < limit && onLoop.Count == 0, () =>
            $"Expected the event loop that called IndexAsync to stay responsive: its heartbeat runs every 10 ms, and the longest silence should stay under {limit.TotalMilliseconds:0} ms.\n" +
            $"Observed: a silence of {gap.TotalMilliseconds:0} ms{(onLoop.Count > 0 ? $"; {Explain.List(onLoop)} digested on the loop's own thread T{loop.ThreadId}" : "")}.\n" +
            $"Look at: .Result, .Wait() and a synchronous SemaphoreSlim.Wait() block the loop; DocumentChecksum.Compute after an await that resumed on the loop keeps it busy{(cached ? " (here every document was already cached: an await on a finished task does not leave the loop at all)" : "")}. " +
            "Await the fetches, and hand each digest to a thread (Task.Run, a thread of your own) or a worker process.");
    }

    [Fact]
    public void Every_document_is_requested_before_any_has_arrived()
    {
        using var scenario = new Scenario();
        using var watch = new DigestWatch(scenario);
        var keys = Keys(8);
        var fetcher = new ControlledFetcher(scenario);

        var call = scenario.Start(() => DocumentIndexer.IndexAsync(fetcher, keys, cpuWorkers: 1), () => fetcher.CallCount >= keys.Count, TimeSpan.FromSeconds(3), out var all);
        var asked = fetcher.CallCount;
        fetcher.AnswerAll(keys);

        scenario.Check(all, () =>
            $"Expected all {keys.Count} documents to be requested at once, with cpuWorkers: 1: fetching is waiting, not computing, and waits cost no thread.\n" +
            $"Observed: {asked} requested before any had arrived.\n" +
            "Look at: cpuWorkers bounds the digests, not the fetches. A loop that awaits each fetch, or a window of cpuWorkers documents " +
            "(Parallel.ForEachAsync over the keys, a SemaphoreSlim taken before the fetch), makes the documents wait for the CPU.");
        scenario.Wait(call, Patience, "Expected IndexAsync to finish once the documents arrived.");
    }

    [Fact]
    public void Digesting_starts_while_other_documents_are_still_on_their_way()
    {
        using var scenario = new Scenario();
        using var watch = new DigestWatch(scenario);
        var keys = Keys(6);
        var fetcher = new ControlledFetcher(scenario);
        var wait = TimeSpan.FromSeconds(3);

        var call = scenario.Start(() => DocumentIndexer.IndexAsync(fetcher, keys, cpuWorkers: 2), () => fetcher.CallCount >= keys.Count, TimeSpan.FromSeconds(3), out _);
        scenario.ThrowIfEnded(call);
        scenario.Check(fetcher.CallCount > 0, () => "Expected IndexAsync to request documents.\nObserved: no request within 3 s.");
        var first = fetcher.Calls[^1].Key; // the last one asked for: code that digests in key order waits for the others first
        fetcher.Answer(first);
        var digested = watch.WaitForDigestOf(first, wait);
        var stillAway = keys.Count(k => k != first);
        fetcher.AnswerAll(keys);

        scenario.Check(digested, () =>
            $"Expected {first} (the last document requested, the first to arrive) to be digested while the other {stillAway} documents were still on their way (the test answers them only afterwards).\n" +
            $"Observed: no digest of {first} within {wait.TotalSeconds:0} s of its arrival.\n" +
            "Look at: awaiting every fetch (Task.WhenAll) before the first digest makes the CPU wait for the slowest document, and awaiting them in key order makes it wait for the first. " +
            "Digest each document as soon as it arrives: one small pipeline per key (await the fetch, then the digest), or a channel that the fetches feed and the digesters read.");
        scenario.Wait(call, Patience, "Expected IndexAsync to finish once every document had arrived.");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Never_more_than_cpuWorkers_digests_at_once(int cpuWorkers)
    {
        using var scenario = new Scenario();
        using var watch = new DigestWatch(scenario);
        var keys = Keys(6);
        var fetcher = new FakeFetcher(scenario, FakeFetcher.After(TimeSpan.FromMilliseconds(10)));

        scenario.Run(() => DocumentIndexer.IndexAsync(fetcher, keys, cpuWorkers), Patience, $"Expected IndexAsync over {keys.Count} documents with cpuWorkers: {cpuWorkers} to finish.");
        var digests = watch.Digests;
        var most = DigestWatch.MostAtOnce(digests);

        scenario.Check(digests.Count >= keys.Count && most <= cpuWorkers, () =>
            $"Expected every document to be digested, never more than cpuWorkers = {cpuWorkers} at the same moment: the digests compete for the cores, " +
            "and more of them at once than asked for only makes each slower.\n" +
            $"Observed: {digests.Count} digest(s) of {keys.Count} documents; at most {most} at once ({DigestWatch.DescribeBusiest(digests)}).\n" +
            "Look at: a Task.Run per document starts them all; bound them with new SemaphoreSlim(cpuWorkers, cpuWorkers) (WaitAsync before, Release in a finally), " +
            "or run exactly cpuWorkers digesters (threads, tasks or worker processes) that take documents one at a time.");
    }

    [Fact]
    public void Two_digests_are_in_progress_at_once_with_cpuWorkers_2()
    {
        using var scenario = new Scenario();
        using var watch = new DigestWatch(scenario);
        const int documents = 6;

        scenario.Run(() => DocumentIndexer.IndexAsync(new CachedFetcher(scenario), Keys(documents), cpuWorkers: 2), Patience, $"Expected IndexAsync over {documents} cached documents with cpuWorkers: 2 to finish.");
        var digests = watch.Digests;
        var mostAtOnce = DigestWatch.MostAtOnce(digests);

        scenario.Check(mostAtOnce >= 2, () =>
            $"Expected two digests in progress at the same moment with cpuWorkers: 2 ({documents} documents, all already fetched).\n" +
            $"Observed: {digests.Count} digest(s), at most {mostAtOnce} at once.\n" +
            "Look at: one thread (or one worker process) doing every digest, whatever cpuWorkers says; a lock around DocumentChecksum.Compute; " +
            "awaiting each digest before starting the next.");
    }

    [SkippableFact]
    public void Digests_run_in_parallel_on_two_cores()
    {
        Skip.If(Environment.ProcessorCount < 2, $"this machine has {Environment.ProcessorCount} core: digests cannot run at the same instant on one");
        using var scenario = new Scenario();
        // the digests' own CPU time (their thread's clock here, the worker's report in a worker process) over their own
        // window (first start to last end): a worker process started for each call costs time before any digest starts
        var meter = new ParallelSpeedup.WorkMeter(timesWindow: true);
        using var watch = new DigestWatch(scenario, meter);
        const int documents = 6;
        var keys = Keys(documents);
        var fetcher = new CachedFetcher(scenario);

        var judgement = ParallelSpeedup.Judge(workers =>
        {
            scenario.Run(() => DocumentIndexer.IndexAsync(fetcher, keys, workers), Patience, $"Expected IndexAsync over {documents} cached documents with cpuWorkers: {workers} to finish.");
            watch.CountWorkerCpu();
        }, meter);
        output.WriteLine(judgement.ToString()); // the figures, kept with the run's results

        Skip.If(judgement.Verdict == ParallelismProbe.Verdict.Inconclusive,
            $"the machine never had a second core free for this process during the check, so parallelism could not be judged:\n{judgement}");
        scenario.Check(judgement.Verdict == ParallelismProbe.Verdict.Parallel, () =>
            $"Expected {documents} digests, with cpuWorkers: 2, to compute on two cores at the same instant (for {ParallelSpeedup.TogetherAtLeast.TotalMilliseconds:0} ms in all, seen when they run in this process), " +
            "or to finish faster than with 1 with their CPU time over the time from the first digest's start to the last one's end above 1, as two raw threads computing right before and right after did.\n" +
            $"Observed:\n{judgement}\n" +
            "Look at: anything that lets one digest compute at a time (a lock, a SemaphoreSlim(1), one digesting thread) gives concurrency without parallelism.");
    }

    [SkippableFact]
    public void Digests_that_end_at_the_same_moment_on_several_threads_lose_nothing()
    {
        using var scenario = new Scenario();
        SkipUnlessDigestsRunHere(scenario,
            "their real checksums take about 0.1 s each, and this check needs thousands of digests that end within microseconds of each other, which only a digest in this process can give");
        const int documents = 3000;
        var budget = TimeSpan.FromSeconds(2);
        // the judge stands in for the checksum: each digest ends at once, so results arrive from several threads at the same moment
        static long StandIn(string document) => document.Length * 1_000_003L + document[^1];
        DocumentChecksum.StandIn = StandIn;
        try
        {
            var rounds = 0;
            var took = Stopwatch.StartNew();
            do
            {
                rounds++;
                var keys = FakeFetcher.Keys(documents, prefix: $"r{rounds}-");
                using var untimed = new Scenario(); // thousands of fetches: kept off this check's timeline
                var (index, error) = scenario.Attempt(() => DocumentIndexer.IndexAsync(new CachedFetcher(untimed), keys, cpuWorkers: 4), Patience,
                    $"Expected IndexAsync over {documents} cached documents (each digest ending at once) to finish.");
                var wrong = error is null ? keys.Where(k => index is null || !index.TryGetValue(k, out var sum) || sum != StandIn(FakeFetcher.ValueOf(k))).ToList() : [];
                scenario.Check(error is null && wrong.Count == 0 && index!.Count == documents, () =>
                    $"Expected all {documents} checksums in the index when digests end at the same moment on several threads (cpuWorkers: 4; round {rounds}).\n" +
                    $"Observed: {(error is not null ? Explain.Exception(error) : $"{index?.Count ?? 0} entries; {wrong.Count} key(s) missing or wrong, such as {Explain.List(wrong.Take(5))}")}.\n" +
                    "Look at: a Dictionary (or List) that every digest writes to from its own thread: it is not safe for several writers at once, and loses entries " +
                    "or throws. Collect the results as return values (Task.WhenAll, then build the dictionary on one thread), use a ConcurrentDictionary, or take a lock around the write.");
            }
            while (took.Elapsed < budget);
            output.WriteLine($"{rounds} round(s) of {documents} digests, nothing lost");
        }
        finally
        {
            DocumentChecksum.StandIn = null;
        }
    }

    [Fact]
    public void The_whole_index_takes_about_one_fetch_plus_the_digests_not_their_sum()
    {
        using var scenario = new Scenario();
        using var watch = new DigestWatch(scenario);
        var keys = Keys(8);
        var latency = TimeSpan.FromMilliseconds(600);
        var overhead = TimeSpan.FromSeconds(1);
        var fetcher = new FakeFetcher(scenario, FakeFetcher.After(latency));
        scenario.Run(() => DocumentIndexer.IndexAsync(fetcher, Keys(2), cpuWorkers: 2), Patience, "Expected IndexAsync over 2 documents to finish."); // first-call costs
        var before = watch.Digests.Count;

        var took = Stopwatch.StartNew();
        scenario.Run(() => DocumentIndexer.IndexAsync(fetcher, keys, cpuWorkers: 2), Patience, $"Expected IndexAsync over {keys.Count} documents to finish.");
        took.Stop();
        var digesting = watch.Digests.Skip(before).Aggregate(TimeSpan.Zero, (sum, d) => sum + Stopwatch.GetElapsedTime(d.StartTicks, d.EndTicks));
        var limit = latency + digesting / 2 + overhead; // 2 digests at a time: each one's wall time already counts the cores it had to share
        var sequential = latency * keys.Count + digesting;
        output.WriteLine($"{keys.Count} documents, {latency.TotalMilliseconds:0} ms per fetch, digests {digesting.TotalMilliseconds:0} ms in all: " +
                         $"indexed in {took.Elapsed.TotalMilliseconds:0} ms; one after another ≈ {sequential.TotalMilliseconds:0} ms ({sequential / took.Elapsed:0.0}× faster)");

        scenario.Check(took.Elapsed <= limit, () =>
            $"Expected {keys.Count} documents (each fetch waits {latency.TotalMilliseconds:0} ms; the digests took {digesting.TotalMilliseconds:0} ms of work in all) " +
            $"to be indexed within one fetch's wait plus half the digests (cpuWorkers: 2) plus {overhead.TotalSeconds:0} s: at most {limit.TotalMilliseconds:0} ms. " +
            $"One after another they take about {sequential.TotalMilliseconds:0} ms.\n" +
            $"Observed: {took.Elapsed.TotalMilliseconds:0} ms ({sequential / took.Elapsed:0.0}× faster than one after another).\n" +
            "Look at: fetches that wait for each other (or for a digest), and digests that wait for every fetch.");
    }

    [Fact]
    public void No_thread_is_held_while_the_documents_are_on_their_way()
    {
        using var scenario = new Scenario();
        using var watch = new DigestWatch(scenario);
        var keys = Keys(16);
        var fetcher = new ControlledFetcher(scenario);
        // a first call pays its one-time costs (the runtime's own threads for child processes, if the digests run in workers)
        scenario.Run(() => DocumentIndexer.IndexAsync(new CachedFetcher(scenario), Keys(2), cpuWorkers: 2), Patience, "Expected IndexAsync over 2 cached documents to finish.");
        var before = ThreadCensus.HeldThroughout(TimeSpan.FromMilliseconds(100));

        var call = scenario.Start(() => DocumentIndexer.IndexAsync(fetcher, keys, cpuWorkers: 2), () => fetcher.CallCount >= keys.Count, TimeSpan.FromSeconds(3), out var all);
        scenario.ThrowIfEnded(call);
        scenario.Check(all, () =>
            $"Expected all {keys.Count} documents to be requested before any has arrived.\nObserved: {fetcher.CallCount} requested after 3 s.\n" +
            "Look at: a thread blocked on each document's .Result asks for the documents only as fast as the pool hands out threads.");
        scenario.CheckNoThreadHeld(before, $"while {keys.Count} documents are on their way",
            "a thread per document blocked on .Result (Task.Run(() => Compute(fetch.Result))), or a digester thread per key that waits for its document. " +
            "Await the documents; give threads only to the digests.");
        // no document ever arrives: the scenario's kill switch cancels the fetches when the test ends
    }

    [SkippableFact]
    public void Documents_waiting_for_a_free_worker_hold_no_thread()
    {
        using var scenario = new Scenario();
        SkipUnlessDigestsRunHere(scenario, "the judge holds a digest at a gate only in this process");
        var keys = Keys(12);
        var before = ThreadCensus.HeldThroughout(TimeSpan.FromMilliseconds(100));
        using var release = new ManualResetEventSlim();
        var started = 0;
        // the judge stands in for the checksum and holds the first digest until it has counted the threads
        DocumentChecksum.StandIn = _ =>
        {
            Interlocked.Increment(ref started);
            release.Wait(TimeSpan.FromSeconds(5));
            return 1;
        };
        try
        {
            var call = scenario.Start(() => DocumentIndexer.IndexAsync(new CachedFetcher(scenario), keys, cpuWorkers: 1), () => Volatile.Read(ref started) >= 1, TimeSpan.FromSeconds(3), out var one);
            var held = ThreadCensus.HeldThroughout(TimeSpan.FromMilliseconds(300)).Minus(before);
            var digesting = Volatile.Read(ref started);
            release.Set();
            scenario.Wait(call, Patience, "Expected IndexAsync to finish once the held digest was let go.");
            var threads = held.BusyPoolThreads + Math.Max(0, held.OtherThreads - ThreadCensus.OtherThreadsTolerated);
            scenario.Check(one && threads <= 1 && digesting == 1, () =>
                $"Expected {keys.Count - 1} documents that wait for the one worker (cpuWorkers: 1; the judge holds the first digest) to wait without holding a thread: " +
                "one thread for the digest in progress, none for the rest.\n" +
                $"Observed: {(one ? $"{held} held for the whole 300 ms the test looked; {digesting} digest(s) in progress" : "no digest started within 3 s")}.\n" +
                "Look at: Task.Run(() => { gate.Wait(); Compute(...); }) parks a pool thread per waiting document; " +
                "await gate.WaitAsync(cancellationToken) first, then Task.Run only the digest.");
        }
        finally
        {
            release.Set();
            DocumentChecksum.StandIn = null;
        }
    }

    [Fact]
    public void When_the_caller_cancels_every_fetch_is_cancelled_and_the_call_ends()
    {
        using var scenario = new Scenario();
        using var watch = new DigestWatch(scenario);
        using var caller = new CancellationTokenSource();
        var keys = Keys(4);
        var fetcher = new ControlledFetcher(scenario);

        var call = scenario.Start(() => DocumentIndexer.IndexAsync(fetcher, keys, cpuWorkers: 2, caller.Token), () => fetcher.CallCount >= keys.Count, TimeSpan.FromSeconds(3), out _);
        scenario.ThrowIfEnded(call);
        caller.Cancel();

        var error = scenario.Catch(() => call, TimeSpan.FromSeconds(5), "Expected IndexAsync to end soon after the caller cancelled (no document ever arrives).");
        var endedAt = Stopwatch.GetTimestamp();
        var deaf = fetcher.Calls.NotCancelled();
        scenario.Check(fetcher.CallCount > 0 && deaf.Count == 0, () =>
            "Expected every fetch to see the caller's cancellation.\n" +
            $"Observed: {(fetcher.CallCount == 0 ? "no document was requested" : $"{Explain.List(deaf)} kept a token that was never cancelled")}.\n" +
            "Look at: pass cancellationToken to every FetchAsync call.");
        scenario.Check(error is OperationCanceledException, () =>
            $"Expected an OperationCanceledException once the caller cancelled.\nObserved: {Explain.Exception(error)}.");
        CheckNothingRunsOn(scenario, watch, endedAt, "the caller cancelled while every document was on its way");
    }

    [Fact]
    public void Cancelling_stops_the_digests_still_waiting_for_a_worker()
    {
        using var scenario = new Scenario();
        using var watch = new DigestWatch(scenario);
        using var caller = new CancellationTokenSource();
        var keys = Keys(8);
        var grace = TimeSpan.FromMilliseconds(150);
        var fetcher = new FakeFetcher(scenario, FakeFetcher.After(TimeSpan.FromMilliseconds(10)));

        var call = scenario.Start(() => DocumentIndexer.IndexAsync(fetcher, keys, cpuWorkers: 1, caller.Token), () => watch.Digests.Count >= 1, Patience, out var oneDone);
        scenario.ThrowIfEnded(call);
        scenario.Check(oneDone, () => $"Expected a first digest within {Patience.TotalSeconds:0} s of the call (8 documents, each fetched in 10 ms).\nObserved: none.");
        var cancelledAt = Stopwatch.GetTimestamp();
        caller.Cancel();

        var error = scenario.Catch(() => call, Patience, "Expected IndexAsync to end soon after the caller cancelled: at most the digest in progress may finish.");
        var late = watch.WatchForLateStarts(cancelledAt, grace);
        scenario.Check(late.Count == 0, () =>
            $"Expected no digest to start after the caller cancelled (cpuWorkers: 1, so {keys.Count - 1} documents were waiting for the one worker).\n" +
            $"Observed: {Explain.List(late)} started more than {grace.TotalMilliseconds:0} ms after the cancellation.\n" +
            "Look at: the wait for a free worker must see the token (SemaphoreSlim.WaitAsync(cancellationToken), ChannelReader.ReadAsync(cancellationToken), " +
            "Task.Run(..., cancellationToken)), and a digester loop must check it before taking the next document.");
        scenario.Check(error is OperationCanceledException, () =>
            $"Expected an OperationCanceledException once the caller cancelled.\nObserved: {Explain.Exception(error)}.");
        CheckNothingRunsOn(scenario, watch, Stopwatch.GetTimestamp(), "the caller cancelled while documents waited for the one worker");
    }

    [Fact]
    public void A_fetch_that_fails_fails_the_call()
    {
        using var scenario = new Scenario();
        using var watch = new DigestWatch(scenario);
        var keys = Keys(4);
        var fetcher = new ControlledFetcher(scenario);
        var failing = keys[2];

        var call = scenario.Start(() => DocumentIndexer.IndexAsync(fetcher, keys, cpuWorkers: 2), () => fetcher.CallCount >= keys.Count, TimeSpan.FromSeconds(3), out _);
        scenario.ThrowIfEnded(call);
        fetcher.Fail(failing, new InvalidOperationException($"the store has no {failing}"));
        // a call that ends at the first failure has ended by now: the other documents arrive only after it
        long? endedEarly = SpinWait.SpinUntil(() => call.IsCompleted, TimeSpan.FromMilliseconds(300)) ? Stopwatch.GetTimestamp() : null;
        if (endedEarly is not null)
        {
            Thread.Sleep(100); // anything of the call that still starts now, starts well after its end
        }
        fetcher.AnswerAll(keys.Where(k => k != failing));

        var error = scenario.Catch(() => call, Patience, $"Expected IndexAsync to end once every fetch had answered ({failing} with an error).");
        var endedAt = endedEarly ?? Stopwatch.GetTimestamp();
        var reported = error is InvalidOperationException || (error is AggregateException aggregate && aggregate.Flatten().InnerExceptions.Any(e => e is InvalidOperationException));
        scenario.Check(reported, () =>
            $"Expected the fetch's InvalidOperationException (\"the store has no {failing}\") to fail the call: an index without {failing} is not the index that was asked for.\n" +
            $"Observed: {Explain.Exception(error)}.\n" +
            "Look at: a catch that skips the failed key, or a digester that waits forever for a document that will never come.");
        CheckNothingRunsOn(scenario, watch, endedAt, $"the fetch of {failing} failed");
    }

    [PlatformLimit("macOS, Windows", "skipped: " + PlatformReasons.ChildListing)]
    [SkippableFact]
    public void No_worker_process_is_left_running_when_IndexAsync_returns()
    {
        using var scenario = new Scenario();
        using var watch = new DigestWatch(scenario);
        Skip.IfNot(ChildProcesses.CanList, PlatformReasons.ChildListing);
        var keys = Keys(4);
        var fetcher = new FakeFetcher(scenario, FakeFetcher.After(TimeSpan.FromMilliseconds(10)));

        scenario.Run(() => DocumentIndexer.IndexAsync(fetcher, keys, cpuWorkers: 2), Patience, "Expected IndexAsync over 4 documents to finish.");
        var left = ChildProcesses.WaitFor(workers => workers.Count == 0, TimeSpan.FromSeconds(2)) ?? [];

        scenario.Check(left.Count == 0, () =>
            "Expected every worker process that IndexAsync started to have ended by the time it returned (or within 2 s).\n" +
            $"Observed: worker process(es) {Explain.List(left)} still running.\n" +
            "Look at: dispose the pool (await using), or close each worker's standard input and wait for its exit, on every path.");
    }

    [Fact]
    public void Wrong_arguments_are_rejected()
    {
        using var scenario = new Scenario();
        var fetcher = new ControlledFetcher(scenario);

        scenario.CheckNullArgumentsRejected("IndexAsync",
            ("fetcher", () => DocumentIndexer.IndexAsync(null!, Keys(2), 2)),
            ("keys", () => DocumentIndexer.IndexAsync(fetcher, null!, 2)));
        var error = scenario.Catch(async () => await DocumentIndexer.IndexAsync(fetcher, Keys(2), cpuWorkers: 0).ConfigureAwait(false), TimeSpan.FromSeconds(3),
            "Expected IndexAsync with cpuWorkers: 0 to be rejected at once.");
        scenario.Check(error is ArgumentOutOfRangeException { ParamName: "cpuWorkers" }, () =>
            "Expected cpuWorkers: 0 to be rejected with ArgumentOutOfRangeException naming cpuWorkers (thrown by the call, or in the task it returns): no worker could ever digest.\n" +
            $"Observed: {Explain.Exception(error)}.\n" +
            "Look at: ArgumentOutOfRangeException.ThrowIfLessThan(cpuWorkers, 1).");
    }
}
