using System.Diagnostics;

namespace ConcurrencyKata.Tests.Ex15;

/// <summary>
/// Exercise 15: a search grain that asks every shard grain at once and gathers their hits, judged
/// on a cluster of two silos in this process (<see cref="ActorCluster"/>, one for all of these
/// checks). Each silo gives its grains the judge's <see cref="ShardIndex"/>: a check stages a query
/// of its own (<see cref="StagedSearch"/>) and decides when each shard answers or fails, so "while
/// every shard is still waiting" is a state the test makes, and it sees each shard's token.
/// </summary>
public sealed class ScatterGatherTests(ActorCluster cluster) : IClassFixture<ActorCluster>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>Long enough never to be what ends a search that is not about the deadline.</summary>
    private static readonly TimeSpan NoDeadline = TimeSpan.FromSeconds(30);

    private ISearchGrain Search() => cluster.Client.GetGrain<ISearchGrain>($"search-{Guid.NewGuid():N}"[..15]);

    private static string Hits(IEnumerable<string> hits) => hits.Any() ? string.Join(", ", hits) : "none";

    private static string Said(SearchResult result)
        => $"hits {Hits(result.Hits)}; failed {(result.Failed.Count == 0 ? "none" : string.Join(", ", result.Failed.Select(f => $"{f.Shard} ({f.Error})")))}; " +
           $"missing {(result.Missing.Count == 0 ? "none" : string.Join(", ", result.Missing))}";

    /// <summary>How a search that has ended ended, as a failure message says it.</summary>
    private static string Ended(Task<SearchResult> search)
        => search.IsCompletedSuccessfully ? Said(search.Result) : $"{search.Exception?.InnerException?.GetType().Name ?? "cancelled"}: {search.Exception?.InnerException?.Message.Split('\n')[0]}";

    private static IReadOnlyList<string> HitsOf(StagedSearch staged, IEnumerable<int> shards) => [.. shards.SelectMany(staged.HitsOf)];

    [Fact]
    public void Every_shard_is_asked_at_once()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        using var staged = ShardIndex.Stage(scenario, 8);

        var search = Search().SearchAsync(staged.Query, 8, NoDeadline, CancellationToken.None);
        staged.WaitForAsked(8, TimeSpan.FromSeconds(2), search);
        var asked = staged.Asked;
        var endedEarly = search.IsCompleted;
        for (var shard = 7; shard >= 0; shard--)
        {
            staged.Answer(shard); // the last shard first: the answer is still in the shards' order
        }
        var result = scenario.Wait(search, Patience, "Expected the search to end once every shard had answered.");

        scenario.Check(asked == 8, () =>
            "Expected all 8 shards to be asked before any of them answered.\n" +
            $"Observed: {asked} of 8 asked while none had answered{(endedEarly ? $"; the search had already ended: {Ended(search)}" : "")}.\n" +
            (endedEarly && search.IsCompletedSuccessfully && search.Result.Failed.Any(f => f.Error.Contains("Activation access violation", StringComparison.Ordinal))
                ? "Look at: where the calls are made. Orleans refuses a grain's services (GrainFactory) on a thread outside the grain's turn: calls made from " +
                  "Task.Run, or from Parallel.ForEachAsync without TaskScheduler = TaskScheduler.Current, fail with \"Activation access violation\". Make them in the grain's own turn."
                : "Look at: an `await` on one shard's call before the next is made: make every call first (keep the tasks), then await them together. " +
                  "Or a limit on how many are in flight (a SemaphoreSlim, a degree of parallelism). Or a thread blocked inside the grain (.Result, .Wait(), Task.WaitAll): " +
                  "a blocked search may not get all its calls out."));
        var expected = HitsOf(staged, Enumerable.Range(0, 8));
        scenario.Check(result.Hits.SequenceEqual(expected) && result.Failed.Count == 0 && result.Missing.Count == 0, () =>
            "Expected the hits of shards 0 to 7, in the shards' order (they answered from 7 down to 0), nothing failed or missing.\n" +
            $"Observed: {Said(result)}.\n" +
            "Look at: gather the answers by shard number (the task of shard i), not in the order they arrive.");
    }

    [Fact]
    public void A_shard_serves_several_searches_at_once()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        var staged = Enumerable.Range(0, 3).Select(_ => ShardIndex.Stage(scenario, 4)).ToList();
        try
        {
            var searches = staged.Select(s => Search().SearchAsync(s.Query, 4, NoDeadline, CancellationToken.None)).ToList();
            SpinWait.SpinUntil(() => staged.All(s => s.Asked == 4), TimeSpan.FromSeconds(2));
            var asked = staged.Select(s => s.Asked).ToList();
            staged.ForEach(s => Enumerable.Range(0, 4).ToList().ForEach(s.Answer));
            scenario.Run(() => Task.WhenAll(searches), Patience, "Expected 3 searches to end once their shards answered.");

            scenario.Check(asked.All(n => n == 4), () =>
                "Expected 3 searches at once over the same 4 shards to be asked at every shard at once, before any shard answered.\n" +
                $"Observed: the shards were asked {string.Join(", ", asked)} times by the three searches while none had answered.\n" +
                "Look at: a grain takes one call at a time unless told otherwise, so a shard waiting for its index makes every other search queue behind it. " +
                "A shard keeps no state between calls: let it take calls while it waits ([Reentrant]).");
        }
        finally
        {
            staged.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public void Two_searches_at_once_on_one_search_grain_get_their_own_answers()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        using var first = ShardIndex.Stage(scenario, 4);
        using var second = ShardIndex.Stage(scenario, 3);
        var search = Search(); // one grain, as every caller that names it gets

        var one = search.SearchAsync(first.Query, 4, NoDeadline, CancellationToken.None);
        first.WaitForAsked(4, TimeSpan.FromSeconds(2), one);
        var two = search.SearchAsync(second.Query, 3, NoDeadline, CancellationToken.None);
        second.WaitForAsked(3, TimeSpan.FromMilliseconds(500), two); // a search grain that takes one call at a time asks them later: also right
        Enumerable.Range(0, 3).ToList().ForEach(second.Answer);
        Enumerable.Range(0, 4).ToList().ForEach(first.Answer);
        var (a, errorA) = scenario.Attempt(() => one, Patience, "Expected the first search to end.");
        var (b, errorB) = scenario.Attempt(() => two, Patience, "Expected the second search to end.");

        scenario.Check(a is not null && b is not null && a.Hits.SequenceEqual(HitsOf(first, Enumerable.Range(0, 4))) && b.Hits.SequenceEqual(HitsOf(second, Enumerable.Range(0, 3)))
                       && a.Missing.Count + a.Failed.Count + b.Missing.Count + b.Failed.Count == 0, () =>
            "Expected two searches made at once on the same search grain, one over 4 shards and one over 3, each to answer with the hits of its own query.\n" +
            $"Observed: the first {(a is null ? $"threw {errorA!.GetType().Name}" : Said(a))}; the second {(b is null ? $"threw {errorB!.GetType().Name}" : Said(b))}.\n" +
            "Look at: fields of the search grain that hold one search's state (its calls, its hits). A reentrant grain runs the second search " +
            "while the first awaits, and both use the same fields. Keep a search's state in the method's locals.");
    }

    [Fact]
    public void The_shards_run_on_more_than_one_silo()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        const int shards = 16;
        using var staged = ShardIndex.Stage(scenario, shards);
        for (var shard = 0; shard < shards; shard++)
        {
            staged.Answer(shard);
        }

        var result = scenario.Run(() => Search().SearchAsync(staged.Query, shards, NoDeadline, CancellationToken.None), Patience, $"Expected a search over {shards} shards that all answer at once to end.");

        var spread = staged.Silos.Count == ActorCluster.SiloCount;
        scenario.Check(spread && result.Hits.Count == 2 * shards, () =>
            $"Expected the {shards} shards to be spread over both silos of the cluster, and their {2 * shards} hits to arrive.\n" +
            $"Observed: {(staged.Asked == 0 ? "no shard was asked" : staged.Placement)}; {result.Hits.Count} hits.\n" +
            (spread
                ? "Look at: the hits, not the placement (the shards did spread): each shard's answer read from its own call's task, by shard number."
                : "Look at: where the shard grains are placed. Orleans puts a grain's activation on a silo when it is first called, by the grain's placement strategy. " +
                  "The default, resource-optimised, prefers the caller's own silo when that one looks no busier, so it may put every shard next to the search; " +
                  "so does [PreferLocalPlacement], and [StatelessWorker] (its calls run on the caller's own silo); [ActivationCountBasedPlacement] balances " +
                  "activations over time and may put a burst of new ones on one silo. [RandomPlacement] on the shard grain spreads them. " +
                  "And one grain asked for every shard's part lives on one silo, whatever its placement."));
    }

    [Fact]
    public void A_failing_shard_is_reported_and_the_others_hits_are_kept()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        using var staged = ShardIndex.Stage(scenario, 6);
        foreach (var shard in new[] { 0, 2, 3, 5 })
        {
            staged.Answer(shard);
        }
        staged.Fail(1);
        staged.Fail(4);

        var (result, error) = scenario.Attempt(() => Search().SearchAsync(staged.Query, 6, NoDeadline, CancellationToken.None), Patience, "Expected the search to end.");

        var expected = HitsOf(staged, [0, 2, 3, 5]);
        scenario.Check(result is not null && result.Hits.SequenceEqual(expected) && result.Missing.Count == 0
                       && result.Failed.Select(f => f.Shard).SequenceEqual([1, 4]) && result.Failed.All(f => f.Error.Contains(staged.FailureOf(f.Shard), StringComparison.Ordinal)), () =>
            "Expected shards 1 and 4 to fail (\"shard 1 is down\", \"shard 4 is down\") and the other four to answer: their hits, and shards 1 and 4 reported as failed with their errors, in the shards' order.\n" +
            $"Observed: {(result is null ? $"the search threw {error!.GetType().Name}: {error.Message.Split('\n')[0]}" : Said(result))}.\n" +
            "Look at: `await Task.WhenAll(calls)` throws the first failure and drops everything else. Catch it, then look at each call's task: " +
            "IsCompletedSuccessfully (its hits), IsFaulted (its Exception), or neither.");
    }

    [Fact]
    public void When_every_shard_fails_every_failure_is_reported()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        using var staged = ShardIndex.Stage(scenario, 4);

        var search = Search().SearchAsync(staged.Query, 4, NoDeadline, CancellationToken.None);
        staged.WaitForAsked(4, TimeSpan.FromSeconds(2), search);
        for (var shard = 3; shard >= 0; shard--)
        {
            staged.Fail(shard); // the last shard first, a little apart: the failures arrive in the reverse of the shards' order
            Thread.Sleep(15);
        }
        var (result, error) = scenario.Attempt(() => search, Patience, "Expected the search to end.");

        scenario.Check(result is not null && result.Hits.Count == 0 && result.Missing.Count == 0 && result.Failed.Select(f => f.Shard).SequenceEqual([0, 1, 2, 3]), () =>
            "Expected all 4 shards, failing from 3 down to 0, to be reported as failed in the shards' order (0, 1, 2, 3), each with its error, and no hits.\n" +
            $"Observed: {(result is null ? $"the search threw {error!.GetType().Name}: {error.Message.Split('\n')[0]}" : Said(result))}.\n" +
            "Look at: every failure is part of the answer, as in exercise 03: none dropped, none in place of the others. " +
            "And like the hits, the failures go in the shards' order: read each call's task by shard number once they have ended, not as they fail.");
    }

    [Fact]
    public void The_deadline_answers_with_what_has_arrived()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        using var staged = ShardIndex.Stage(scenario, 4);
        staged.Answer(0);
        staged.Answer(1);
        var deadline = TimeSpan.FromMilliseconds(300);
        var clock = Stopwatch.StartNew();

        var (result, error) = scenario.Attempt(() => Search().SearchAsync(staged.Query, 4, deadline, CancellationToken.None), TimeSpan.FromSeconds(5),
            "Expected the search to end at its deadline of 300 ms, while shards 2 and 3 had not answered.");
        var took = clock.Elapsed;

        scenario.Check(result is not null && result.Hits.SequenceEqual(HitsOf(staged, [0, 1])) && result.Missing.SequenceEqual([2, 3]) && result.Failed.Count == 0
                       && took >= deadline - TimeSpan.FromMilliseconds(50) && took < deadline + TimeSpan.FromSeconds(1), () =>
            "Expected shards 0 and 1 to answer at once and 2 and 3 never: at the deadline of 300 ms (not before 250 ms, and within a second of it), " +
            "the hits of 0 and 1, and 2 and 3 missing.\n" +
            $"Observed: after {took.TotalMilliseconds:0} ms, {(result is null ? $"the search threw {error!.GetType().Name}: {error.Message.Split('\n')[0]}" : Said(result))}.\n" +
            "Look at: a deadline is an answer, not an error: wait for all the calls or the deadline, whichever comes first " +
            "(`Task.WhenAll(calls).WaitAsync(deadline)` and catch its TimeoutException), then read each call as it is.");
    }

    [Fact]
    public void The_shards_still_running_at_the_deadline_are_cancelled()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        using var staged = ShardIndex.Stage(scenario, 4);
        staged.Answer(0);
        staged.Answer(1);

        scenario.Attempt(() => Search().SearchAsync(staged.Query, 4, TimeSpan.FromMilliseconds(200), CancellationToken.None), TimeSpan.FromSeconds(5),
            "Expected the search to end at its deadline of 200 ms, while shards 2 and 3 had not answered.");
        var cancelled = staged.WaitForCancelled([2, 3], TimeSpan.FromSeconds(2));

        scenario.Check(cancelled, () =>
            "Expected the shards still running at the deadline (2 and 3) to have their tokens cancelled within 2 s of the search's answer: nobody will read what they find.\n" +
            $"Observed: cancelled {(staged.Cancelled.Count == 0 ? "none" : string.Join(", ", staged.Cancelled))}.\n" +
            "Look at: the token you give each shard's call. Orleans carries a CancellationToken from grain to grain; one CancellationTokenSource " +
            "for all the calls, cancelled once you have your answer, stops them.");
    }

    [Fact]
    public void The_deadline_counts_from_the_call_not_from_an_answer()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        using var staged = ShardIndex.Stage(scenario, 4);
        var deadline = TimeSpan.FromMilliseconds(400);
        var clock = Stopwatch.StartNew();

        var search = Search().SearchAsync(staged.Query, 4, deadline, CancellationToken.None);
        // shards 0, 1 and 2 answer at about 300, 330 and 360 ms; shard 3 never does. A deadline started
        // at the first answer ends at about 700 ms, one started again at each answer at about 760
        var answers = Task.Run(async () =>
        {
            for (var shard = 0; shard < 3; shard++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(300 + 30 * shard) - clock.Elapsed, scenario.Abort).ConfigureAwait(false);
                staged.Answer(shard);
            }
        });
        var (result, error) = scenario.Attempt(() => search, TimeSpan.FromSeconds(5), "Expected the search to end at its deadline of 400 ms.");
        var took = clock.Elapsed;

        scenario.Check(result is not null && took < deadline + TimeSpan.FromMilliseconds(200) && result.Missing.SequenceEqual([3]), () =>
            "Expected shards 0, 1 and 2 to answer at about 300, 330 and 360 ms and shard 3 never: the search ends at its deadline of 400 ms from the call " +
            "(within 200 ms of it), with shard 3 missing.\n" +
            $"Observed: after {took.TotalMilliseconds:0} ms, {(result is null ? $"the search threw {error!.GetType().Name}: {error.Message.Split('\n')[0]}" : Said(result))}.\n" +
            "Look at: when the deadline starts. One started at the first answer ends that much later; one started again after each answer " +
            "(a new Task.Delay(deadline) for every round of Task.WhenAny) ends at the last answer plus the whole deadline. Start it once, when the call begins.");
        answers.Wait(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void A_search_cancelled_by_its_caller_cancels_every_shard()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        using var staged = ShardIndex.Stage(scenario, 4);
        using var caller = new CancellationTokenSource();

        var search = Search().SearchAsync(staged.Query, 4, NoDeadline, caller.Token);
        var asked = staged.WaitForAsked(4, Patience);
        caller.Cancel();
        var (_, error) = scenario.Attempt(() => search, Patience, "Expected the search to end once its caller cancelled it.");
        var cancelled = staged.WaitForCancelled([0, 1, 2, 3], TimeSpan.FromSeconds(2));

        scenario.Check(asked && error is OperationCanceledException && cancelled, () =>
            "Expected the search of 4 shards, cancelled by its caller while every shard was still looking, to end with OperationCanceledException " +
            "and to cancel the token of every shard's call within 2 s.\n" +
            $"Observed: {(asked ? "" : $"only {staged.Asked} shards were asked; ")}{(error is null ? "the search answered" : $"it ended with {error.GetType().Name}")}; " +
            $"shards cancelled: {(staged.Cancelled.Count == 0 ? "none" : string.Join(", ", staged.Cancelled))}.\n" +
            (asked
                ? "Look at: the caller's token reaches your grain as the method's CancellationToken; pass it on to every shard's call (linked to your own " +
                  "source: CancellationTokenSource.CreateLinkedTokenSource), and the shard grain passes it to the index. A shard blocked in .Result on the index never sees it."
                : "Look at: why not every shard was asked (see the check that every shard is asked at once): a shard that is never asked cannot be cancelled."));
    }

    [Fact]
    public void Shards_answering_at_the_same_instant_give_every_hit()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        // more shards than this machine has cores: a fan-out limited to the core count (Parallel.ForEachAsync's default) shows here on any machine
        var shards = Math.Max(32, 4 * Environment.ProcessorCount);
        var clock = Stopwatch.StartNew();
        var rounds = 0;
        string? wrong = null;
        // rounds until 1.5 s has passed: answers that race each other show only when they really arrive together,
        // which one round in several lets happen (measured: a Dictionary filled off the turn lost hits within 8 rounds in 8 runs)
        while (wrong is null && (rounds < 5 || clock.Elapsed < TimeSpan.FromMilliseconds(1500)))
        {
            rounds++;
            using var staged = ShardIndex.Stage(scenario, shards);
            var search = Search().SearchAsync(staged.Query, shards, NoDeadline, CancellationToken.None);
            if (!staged.WaitForAsked(shards, TimeSpan.FromSeconds(3), search))
            {
                wrong = $"in round {rounds}, only {staged.Asked} of {shards} shards were asked{(search.IsCompleted ? $", and the search had already ended: {Ended(search)}" : "")}";
                break;
            }
            using var go = new Barrier(4);
            var answering = Enumerable.Range(0, 4).Select(t => Task.Factory.StartNew(() =>
            {
                go.SignalAndWait(Patience);
                for (var shard = t; shard < shards; shard += 4)
                {
                    staged.Answer(shard);
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
            var (result, error) = scenario.Attempt(() => search, Patience, $"Expected the search of round {rounds} to end once all {shards} shards answered.");
            Task.WaitAll(answering, Patience);
            var expected = HitsOf(staged, Enumerable.Range(0, shards));
            if (result is null || !result.Hits.SequenceEqual(expected) || result.Failed.Count > 0 || result.Missing.Count > 0)
            {
                wrong = $"in round {rounds}, {(result is null ? $"the search threw {error!.GetType().Name}: {error.Message.Split('\n')[0]}" : $"{result.Hits.Count} hits of {expected.Count}{(result.Hits.Order().SequenceEqual(expected.Order()) ? " (all there, in another order)" : "")}, {result.Failed.Count} failed, {result.Missing.Count} missing")}";
            }
        }

        scenario.Check(wrong is null, () =>
            $"Expected, in every round, all {2 * shards} hits of {shards} shards that answer at the same instant from four threads, in the shards' order.\n" +
            $"Observed: {wrong}.\n" +
            "Look at: answers gathered into one list or dictionary from continuations that run outside the grain's turn (Task.Run, ConfigureAwait(false)) are added from " +
            "several threads at once. Await inside the grain's turn and read each call's task when they are all done.");
    }

    [Fact]
    public void Searches_waiting_for_shards_hold_no_thread()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        var staged = Enumerable.Range(0, 4).Select(_ => ShardIndex.Stage(scenario, 4)).ToList();
        try
        {
            var before = ThreadCensus.HeldThroughout(TimeSpan.FromMilliseconds(100));
            var searches = staged.Select(s => Search().SearchAsync(s.Query, 4, NoDeadline, CancellationToken.None)).ToList();
            var allAsked = SpinWait.SpinUntil(() => staged.All(s => s.Asked == 4), TimeSpan.FromSeconds(3));
            Thread.Sleep(50);
            var held = ThreadCensus.HeldThroughout(TimeSpan.FromMilliseconds(300)).Minus(before);
            var asked = staged.Sum(s => s.Asked);
            staged.ForEach(s => Enumerable.Range(0, 4).ToList().ForEach(s.Answer));
            scenario.Run(() => Task.WhenAll(searches), Patience, "Expected 4 searches to end once their shards answered.");

            scenario.Check(allAsked && held.BusyPoolThreads + held.OtherThreads <= ThreadCensus.OtherThreadsTolerated, () =>
                "Expected no thread to be held while 4 searches wait for their 16 shards, all asked: a grain that awaits holds none.\n" +
                $"Observed: {asked} of 16 shards asked within 3 s; {held} held for the whole 300 ms the test looked.\n" +
                (allAsked || held.BusyPoolThreads + held.OtherThreads > ThreadCensus.OtherThreadsTolerated
                    ? "Look at: .Result, .Wait(), Task.WaitAll or .GetAwaiter().GetResult() inside a grain. Each blocks a thread of the silo for as long as the shards take, " +
                      "and a silo has few: enough searches and every grain on it stops (here, a blocked search may not even get all its calls out)."
                    : "Look at: what makes the searches wait for each other with no thread held: a lock or SemaphoreSlim held across an await (one for all " +
                      "searches, or one per shard), or a shard grain that takes one call at a time."));
        }
        finally
        {
            staged.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public void Wrong_arguments_are_rejected()
    {
        using var scenario = new Scenario();
        var search = Search();
        var wrong = new List<string>();
        foreach (var (what, call, expected) in new (string, Func<Task>, Type)[]
                 {
                     ("SearchAsync(null, 4, 1 s)", () => search.SearchAsync(null!, 4, TimeSpan.FromSeconds(1), CancellationToken.None), typeof(ArgumentNullException)),
                     ("SearchAsync(\"q\", 0, 1 s)", () => search.SearchAsync("q", 0, TimeSpan.FromSeconds(1), CancellationToken.None), typeof(ArgumentOutOfRangeException)),
                     ("SearchAsync(\"q\", 4, 0 s)", () => search.SearchAsync("q", 4, TimeSpan.Zero, CancellationToken.None), typeof(ArgumentOutOfRangeException)),
                 })
        {
            var error = scenario.Catch(async () => { await call(); return true; }, Patience, $"Expected {what} to end.");
            if (error?.GetType() != expected)
            {
                wrong.Add($"{what}: {(error is null ? "accepted" : error.GetType().Name)} instead of {expected.Name}");
            }
        }
        scenario.Check(wrong.Count == 0, () =>
            "Expected a null query to be rejected with ArgumentNullException, and 0 shards or a deadline of 0 with ArgumentOutOfRangeException.\n" +
            $"Observed: {string.Join("; ", wrong)}.");
    }
}
