using System.Diagnostics;

namespace ConcurrencyKata.Tests.Ex16;

/// <summary>
/// Exercise 16: a runner grain that charges jobs through worker grains spread over three silos,
/// judged on a cluster of its own (<see cref="SurvivalCluster"/>), because some checks kill one of
/// its silos in the middle of a run (and start another afterwards). The payments service
/// (<see cref="Payments"/>) lives outside the silos: it holds charges at gates, counts every
/// attempt and every charge really made, and sees on which silo each attempt ran. A silo is killed
/// only while every job of the run waits at a gate, so what was in flight on it is known exactly.
/// </summary>
public sealed class WorkThatSurvivesTests(SurvivalCluster cluster) : IClassFixture<SurvivalCluster>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    /// <summary>How long the tries again of a dead silo's jobs may take to be all under way at once.</summary>
    private static readonly TimeSpan RetriesPatience = TimeSpan.FromSeconds(3);

    /// <summary>How long the slowest job of a run waits at its gate after the others: the run must wait for it.</summary>
    private static readonly TimeSpan LastJobHeld = TimeSpan.FromSeconds(1.5);

    /// <summary>How soon after a silo is killed the run must end: in this cluster a call to a dead silo fails within milliseconds.</summary>
    private static readonly TimeSpan AfterKill = TimeSpan.FromSeconds(5);

    private IJobRunnerGrain Runner() => cluster.Client.GetGrain<IJobRunnerGrain>($"runner-{Guid.NewGuid():N}"[..15]);

    private static string Ids(IEnumerable<int> ids) => ids.Any() ? string.Join(", ", ids) : "none";

    private static string Said(RunReport report)
        => $"done {report.Done.Count} ({Ids(report.Done.Take(12))}{(report.Done.Count > 12 ? ", ..." : "")}); " +
           $"failed {(report.Failed.Count == 0 ? "none" : string.Join(", ", report.Failed.Take(6).Select(f => $"{f.JobId} ({f.Error.Split('\n')[0]})")))}";

    private static string Ended(RunReport? report, Exception? error)
        => report is not null ? Said(report) : $"the run threw {error!.GetType().Name}: {error.Message.Split('\n')[0]}";

    /// <summary>True when <paramref name="report"/> has every job of <paramref name="staged"/> done, in order, none failed, and each was charged once.</summary>
    private static bool AllDoneOnce(RunReport? report, StagedRun staged)
        => report is not null && report.Done.SequenceEqual(staged.Ids) && report.Failed.Count == 0 && staged.Ids.All(id => staged.ChargesOf(id) == 1);

    private static string Times(int n) => n == 1 ? "once" : $"{n} times";

    /// <summary>A note when <paramref name="report"/> has every job done, but not in the jobs' order.</summary>
    private static string OutOfOrder(RunReport? report, StagedRun staged)
        => report is not null && !report.Done.SequenceEqual(staged.Ids) && report.Done.Order().SequenceEqual(staged.Ids.Order())
            ? $"; every job is done, but Done is not in the jobs' order, which is {Ids(staged.Ids.Take(12))}{(staged.Jobs.Count > 12 ? ", ..." : "")} " +
              (report.Done.SequenceEqual(staged.Ids.Order()) ? "(not the ids' order)" : "(the order they ended in?)")
            : "";

    /// <summary>The jobs of <paramref name="staged"/> charged other than once, as a message says them.</summary>
    private static string NotOnce(StagedRun staged)
    {
        var wrong = staged.Jobs.Where(j => staged.ChargesOf(j.Id) != 1).Select(j => $"job {j.Id} {Times(staged.ChargesOf(j.Id))} (keys: {string.Join(", ", staged.KeysOf(j.Id).Distinct())})").ToList();
        return wrong.Count == 0 ? "every job once" : string.Join("; ", wrong.Take(5)) + (wrong.Count > 5 ? $"; and {wrong.Count - 5} more" : "");
    }

    /// <summary>What a run with a silo killed in its middle left: the silo, the jobs that waited on it, the run's end, and how long after the kill it came.</summary>
    private sealed record Killed(string Victim, IReadOnlyList<int> OnVictim, RunReport? Report, Exception? Error, TimeSpan AfterKill, IReadOnlyList<string> Survivors, bool AnsweredBeforeTheKill,
        int RetriesAtOnce)
    {
        /// <summary>How the run ended, and when, as a message says it.</summary>
        public string Ending => AnsweredBeforeTheKill
            ? $"the run answered before {Victim} was killed, while its jobs were still charging: {Ended(Report, Error)}"
            : $"after {AfterKill.TotalMilliseconds:0} ms, {Ended(Report, Error)}";
    }

    /// <summary>
    /// Runs the staged jobs, all held at their gate; once every job waits there, kills the silo (neither
    /// the first one nor the runner's) with the most of them, lets the gates go and waits for the run's
    /// end. The cluster gets its third silo back afterwards, whatever happened.
    /// </summary>
    /// <param name="gateRetries">The jobs' second tries wait at a gate of their own until all the dead silo's jobs are being tried again (at most 3 s): how many were at once is in the result.</param>
    private Killed RunAndKill(Scenario scenario, StagedRun staged, bool gateRetries = false)
    {
        if (gateRetries)
        {
            staged.HoldRetries();
        }
        var runner = Runner();
        var run = runner.RunAsync(staged.Jobs);
        try
        {
            var count = staged.Jobs.Count;
            if (!staged.WaitForWaiting(count, Patience, run))
            {
                throw scenario.Fail(
                    $"Expected all {count} jobs to be charging at once, so that a silo could be killed in the middle of the run.\n" +
                    $"Observed: {staged.Waiting} charging{(run.IsCompleted ? $"; the run had ended: {Ended(run.IsCompletedSuccessfully ? run.Result : null, run.Exception?.InnerException)}" : "")}.\n" +
                    "Look at: every job's call made before any is awaited (see the check that every job is charging at once on every silo).");
            }
            var runnerSilo = CallProbe.SiloOf(nameof(IJobRunnerGrain.RunAsync), runner.GetPrimaryKeyString());
            var victim = cluster.Alive.Where(s => s != cluster.First && s != runnerSilo).OrderByDescending(s => staged.WaitingOn(s).Count).First();
            var onVictim = staged.WaitingOn(victim);
            if (onVictim.Count == 0)
            {
                throw scenario.Fail(
                    $"Expected some of the {count} jobs to be charging on {victim}, a silo that is neither the runner's ({runnerSilo}) nor the first, so that killing it loses work in flight.\n" +
                    $"Observed: {string.Join(", ", cluster.Alive.Select(s => $"{s}: {staged.WaitingOn(s).Count}"))} jobs charging.\n" +
                    "Look at: where the workers run. Jobs spread over every silo (see the check that every job is charging at once on every silo).");
            }
            var answered = run.IsCompleted;
            staged.Died(victim);
            scenario.Run(() => cluster.KillAsync(victim), Patience, $"Expected the judge to kill {victim}.");
            var clock = Stopwatch.StartNew();
            var survivors = cluster.Alive;
            staged.Release();
            var retriesAtOnce = gateRetries ? staged.WaitForRetries(onVictim.Count, RetriesPatience) : 0;
            staged.ReleaseRetries();
            var (report, error) = scenario.Attempt(() => run, AfterKill + Patience, $"Expected the run to end once {victim} was killed and the other jobs were let go.");
            return new Killed(victim, onVictim, report, error, clock.Elapsed, survivors, answered, retriesAtOnce);
        }
        finally
        {
            staged.Release();
            staged.ReleaseRetries();
            scenario.Run(() => cluster.RestoreAsync(), TimeSpan.FromSeconds(60), "Expected the judge to start a silo in place of the one killed.");
        }
    }

    [Fact]
    public void Every_job_is_charged_once()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        using var staged = Payments.Stage(scenario, 30);
        staged.HoldBefore(staged.Ids);

        var run = Runner().RunAsync(staged.Jobs);
        staged.WaitForWaiting(30, TimeSpan.FromSeconds(3), run); // all at once or not, they answer last to first
        var answeredAtOnce = run.IsCompleted;
        var chargingThen = staged.Waiting;
        var first = staged.Ids.First();
        staged.ReleaseInTurn(staged.Ids.Skip(1).Reverse());
        var answeredBeforeTheLast = SpinWait.SpinUntil(() => run.IsCompleted, LastJobHeld); // the first job is the slowest
        staged.Release();
        var (report, error) = scenario.Attempt(() => run, Patience, "Expected a run of 30 jobs to end.");

        var triedAgain = staged.Ids.Where(id => staged.AttemptsOf(id) > 1).ToList();
        scenario.Check(AllDoneOnce(report, staged) && !answeredBeforeTheLast && triedAgain.Count == 0, () =>
            "Expected a run of 30 jobs, nothing refused and no silo lost, to report all 30 done, in the jobs' order (their charges were let go last to first, " +
            $"job {first} {LastJobHeld.TotalSeconds:0.#} s after the others), once each job had been charged, once, and tried once: nothing was lost.\n" +
            $"Observed: {(answeredAtOnce ? (chargingThen > 0 ? $"the run answered while {chargingThen} charges were still waiting at their gate; then " : "the run answered with no job charging; then ") : answeredBeforeTheLast ? $"the run answered while job {first} was still waiting at its gate; then " : "")}" +
            $"{Ended(report, error)}{OutOfOrder(report, staged)}; charges: {NotOnce(staged)}" +
            $"{(triedAgain.Count > 0 ? $"; tried again though nothing failed: jobs {Ids(triedAgain.Take(8))} (job {triedAgain[0]} {Times(staged.AttemptsOf(triedAgain[0]))})" : "")}.\n" +
            "Look at: a job is done when its worker has answered, not when it was sent, nor when some time has passed: await each job's call. " +
            "A job still charging is not lost: try again only when the call failed, not after a wait of your own. " +
            "Done lists the jobs in their order, not in the order they ended. " +
            "And the idempotency key must be the same for every job's charge and different between jobs: it names the job.");
    }

    [Fact]
    public void Every_job_is_charging_at_once_on_every_silo()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        const int jobs = 36;
        using var staged = Payments.Stage(scenario, jobs);
        staged.HoldBefore(staged.Ids);

        var run = Runner().RunAsync(staged.Jobs);
        var all = staged.WaitForWaiting(jobs, TimeSpan.FromSeconds(3), run);
        var waiting = staged.Waiting;
        var perSilo = cluster.Alive.Select(s => (Silo: s, Jobs: staged.WaitingOn(s).Count)).ToList();
        staged.Release();
        var (report, error) = scenario.Attempt(() => run, Patience, "Expected the run to end once the charges were let go.");

        scenario.Check(all && perSilo.All(p => p.Jobs > 0), () =>
            $"Expected all {jobs} jobs to be charging at once, on all {SurvivalCluster.SiloCount} silos, before any charge was let through.\n" +
            $"Observed: {waiting} charging at once ({string.Join(", ", perSilo.Select(p => $"{p.Silo}: {p.Jobs}"))}); then {Ended(report, error)}.\n" +
            (all
                ? "Look at: where the workers are placed (they did run at once). [StatelessWorker] workers run on the runner's own silo, and in a cluster just started so do " +
                  "the default placement (resource-optimised) and [PreferLocalPlacement]; [ActivationCountBasedPlacement] put a burst of new workers on one silo in every run here. " +
                  "A worker grain per job (the job's id as its key), placed at random ([RandomPlacement]) or by a hash of its key ([HashBasedPlacement]), spreads them."
                : "Look at: what keeps the jobs from running at once. One job at a time, a limit on the jobs in flight, batches, or one worker grain for every job run them " +
                  "one after another; a call blocked in a grain holds its turn. Start every job's call, then await them together; a worker grain per job, placed at random ([RandomPlacement]), spreads them."));
    }

    [Fact]
    public void A_refused_payment_is_reported_and_not_tried_again()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        using var staged = Payments.Stage(scenario, 12);
        int[] refused = [staged.Jobs[4].Id, staged.Jobs[9].Id];
        staged.Refuse(refused);
        staged.HoldBefore(staged.Ids);

        var run = Runner().RunAsync(staged.Jobs);
        staged.WaitForWaiting(12, TimeSpan.FromSeconds(3), run);
        staged.ReleaseInTurn(staged.Ids.Reverse(), TimeSpan.FromMilliseconds(50)); // the later refusal first, 5 jobs and 250 ms before the other
        staged.Release();
        var (report, error) = scenario.Attempt(() => run, Patience, "Expected a run of 12 jobs to end.");

        scenario.Check(report is not null && report.Done.SequenceEqual(staged.Ids.Except(refused)) && report.Failed.Select(f => f.JobId).SequenceEqual(refused)
                       && report.Failed.All(f => f.Error == staged.RefusalOf(f.JobId))
                       && refused.All(id => staged.AttemptsOf(id) == 1), () =>
            $"Expected jobs {refused[0]} and {refused[1]}, whose payments are refused (InvalidOperationException), to be reported as failed with their errors and tried once each, in the jobs' order; the other 10 done.\n" +
            $"Observed: {Ended(report, error)}; job {refused[0]} tried {Times(staged.AttemptsOf(refused[0]))}, job {refused[1]} {Times(staged.AttemptsOf(refused[1]))}" +
            $"{(report is not null && report.Failed.Select(f => f.JobId).Order().SequenceEqual(refused.Order()) && !report.Failed.Select(f => f.JobId).SequenceEqual(refused) ? $"; the failures are not in the jobs' order ({refused[0]} comes first; {refused[1]} ended first)" : "")}" +
            $"{(report is not null && report.Done.Order().SequenceEqual(staged.Ids.Except(refused).Order()) && !report.Done.SequenceEqual(staged.Ids.Except(refused)) ? $"; Done is not in the jobs' order, which is {Ids(staged.Ids.Except(refused))}" : "")}.\n" +
            "Look at: which failures you try again. A silo that went away (SiloUnavailableException) says nothing about the job, and another try may succeed; " +
            "a refused payment is the job's own answer, and will be refused again.");
    }

    [Fact]
    public void A_job_that_keeps_losing_its_silo_is_given_up_after_a_few_tries_and_reported()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        using var staged = Payments.Stage(scenario, 6);
        var lost = staged.Jobs[2].Id;
        staged.AlwaysLost([lost]);

        var (report, error) = scenario.Attempt(() => Runner().RunAsync(staged.Jobs), GiveUpWithin, $"Expected a run whose job {lost} keeps losing its silo to end.");

        var tries = staged.AttemptsOf(lost);
        var others = staged.Ids.Where(id => id != lost).ToList();
        scenario.Check(report is not null && report.Done.SequenceEqual(others) && others.All(id => staged.ChargesOf(id) == 1)
                       && report.Failed is [{ } failure] && failure.JobId == lost && failure.Error.Contains(staged.LossOf(lost), StringComparison.Ordinal)
                       && tries is >= 2 and <= MostTries, () =>
            $"Expected job {lost}, whose every try fails with SiloUnavailableException, to be tried again a few times (2 to {MostTries} tries in all), then reported in Failed with its last error; " +
            $"the other 5 done, and the run over within {GiveUpWithin.TotalSeconds:0} s.\n" +
            $"Observed: {Ended(report, error)}; job {lost} tried {Times(tries)}" +
            $"{(report is not null && !report.Done.Contains(lost) && report.Failed.All(f => f.JobId != lost) ? $"; job {lost} is in neither list" : "")}.\n" +
            "Look at: what happens when the tries run out. A lost silo is worth another try, but not for ever: after the last try, report the job as failed, " +
            "with the error of its last try. A job dropped from the report is lost without a word; a job counted done was never charged.");
    }

    /// <summary>How many tries a job that keeps losing its silo may have, in all (the README says so).</summary>
    private const int MostTries = 10;

    /// <summary>How soon a run whose job keeps losing its silo must end: room for a few tries with pauses between them.</summary>
    private static readonly TimeSpan GiveUpWithin = TimeSpan.FromSeconds(10);

    [Fact]
    public void A_silo_killed_mid_run_loses_no_job()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        using var staged = Payments.Stage(scenario, 45);
        staged.HoldBefore(staged.Ids);

        var killed = RunAndKill(scenario, staged);

        var lost = killed.OnVictim.Where(id => staged.ChargesOf(id) == 0).ToList();
        scenario.Check(AllDoneOnce(killed.Report, staged) && killed.AfterKill < AfterKill && !killed.AnsweredBeforeTheKill, () =>
            $"Expected {killed.Victim}, killed while {killed.OnVictim.Count} of the 45 jobs were charging on it (before charging), to lose none: every job charged once and reported done, " +
            $"within {AfterKill.TotalSeconds:0} s of the kill.\n" +
            $"Observed: {killed.Ending}{OutOfOrder(killed.Report, staged)}; charges: {NotOnce(staged)}" +
            $"{(lost.Count > 0 ? $"; never charged: jobs {Ids(lost)}, all of them on {killed.Victim}" : "")}.\n" +
            "Look at: what happens to a call whose silo dies. It fails (SiloUnavailableException here; a TimeoutException when the silo is only unreachable), " +
            "and the job must be run again: call the worker again and Orleans activates it on a silo still alive. " +
            "A job counted done when it was sent, or kept only in the memory of a grain on the dead silo, is gone with it.");
    }

    [Fact]
    public void A_job_charged_just_before_its_silo_died_is_charged_once()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        using var staged = Payments.Stage(scenario, 45);
        staged.HoldAfter(staged.Ids);

        var killed = RunAndKill(scenario, staged);

        var twice = killed.OnVictim.Where(id => staged.ChargesOf(id) > 1).ToList();
        scenario.Check(AllDoneOnce(killed.Report, staged), () =>
            $"Expected the {killed.OnVictim.Count} jobs charged on {killed.Victim} just before it was killed (the charge made, the answer never sent) to be tried again " +
            "and still charged once each, and every job reported done.\n" +
            $"Observed: {killed.Ending}{OutOfOrder(killed.Report, staged)}; charges: {NotOnce(staged)}{(twice.Count > 0 ? $"; {twice.Count} of the jobs on {killed.Victim} charged more than once" : "")}.\n" +
            "Look at: the idempotency key. A job tried again after its silo died may already have been charged: nobody can know. " +
            "A key that names the job (not the attempt, the silo or a fresh Guid) makes the second charge change nothing. " +
            "A worker that remembers in its own memory what it charged forgets it with its silo.");
    }

    [Fact]
    public void The_work_of_a_dead_silo_is_spread_over_the_survivors()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        using var staged = Payments.Stage(scenario, 45);
        staged.HoldBefore(staged.Ids);

        var killed = RunAndKill(scenario, staged, gateRetries: true);

        var reruns = killed.OnVictim.Select(id => staged.SilosOf(id).Skip(1).ToList()).ToList();
        var where = reruns.SelectMany(r => r).GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());
        scenario.Check(killed.Report is not null && reruns.All(r => r.Count > 0) && killed.Survivors.All(where.ContainsKey) && !where.ContainsKey(killed.Victim)
                       && killed.RetriesAtOnce >= killed.OnVictim.Count, () =>
            $"Expected the {killed.OnVictim.Count} jobs that were charging on {killed.Victim} when it was killed to be run again all at once (their second tries held at a gate until all were there, " +
            $"{RetriesPatience.TotalSeconds:0} s at most), on both silos still alive ({string.Join(" and ", killed.Survivors)}).\n" +
            $"Observed: {killed.Ending}; run again on {(where.Count == 0 ? "no silo" : string.Join(", ", where.Select(w => $"{w.Key}: {w.Value} jobs")))}" +
            $"{(reruns.Any(r => r.Count == 0) ? $"; {reruns.Count(r => r.Count == 0)} never run again" : "")}" +
            $"; {killed.RetriesAtOnce} of the {killed.OnVictim.Count} tried again at once.\n" +
            "Look at: where a job goes when it is tried again, and when. The worker grain of the job, called again, is placed anew among the silos alive; " +
            "a fixed grain for every retry puts them all on one silo. And the lost jobs are tried again all at once, as they were the first time: " +
            "each job's own retry loop does that; lost jobs sent again one after another (each awaited before the next) wait for each other.");
    }

    [Fact]
    public void Jobs_waiting_for_their_charge_hold_no_thread()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        using var staged = Payments.Stage(scenario, 24);
        staged.HoldBefore(staged.Ids);

        var before = ThreadCensus.HeldThroughout(TimeSpan.FromMilliseconds(100));
        var run = Runner().RunAsync(staged.Jobs);
        var all = staged.WaitForWaiting(24, TimeSpan.FromSeconds(3), run);
        Thread.Sleep(50);
        var held = ThreadCensus.HeldThroughout(TimeSpan.FromMilliseconds(300)).Minus(before);
        var waiting = staged.Waiting;
        staged.Release();
        SpinWait.SpinUntil(() => run.IsCompleted, all ? Patience : TimeSpan.FromSeconds(2)); // its end is not what this check judges

        scenario.Check(all && held.BusyPoolThreads + held.OtherThreads <= ThreadCensus.OtherThreadsTolerated, () =>
            "Expected no thread to be held while a run's 24 jobs, all charging, wait for the payments service: a grain that awaits holds none.\n" +
            $"Observed: {waiting} of 24 charging within 3 s; {held} held for the whole 300 ms the test looked.\n" +
            "Look at: .Result, .Wait() or Task.WaitAll inside a grain. Each blocks a thread of the silo for as long as the jobs take, " +
            "and a grain blocked in its own turn may not even get its calls out (a runner blocked in Task.WaitAll before its calls are made sends none); a worker blocked in .Wait() holds a thread per job.");
    }

    [Fact]
    public void Wrong_arguments_are_rejected_and_no_jobs_is_an_empty_report()
    {
        using var scenario = new Scenario();
        using var staged = Payments.Stage(scenario, 3);
        var runner = Runner();
        var (before, beforeError) = scenario.Attempt(() => runner.RunAsync(staged.Jobs), Patience, "Expected a run of 3 jobs to end.");
        var error = scenario.Catch(() => runner.RunAsync(null!), Patience, "Expected RunAsync(null) to end.");
        var (empty, emptyError) = scenario.Attempt(() => runner.RunAsync([]), Patience, "Expected RunAsync of no jobs to end.");

        scenario.Check(before is not null && error is ArgumentNullException && empty is { Done.Count: 0, Failed.Count: 0 }, () =>
            "Expected RunAsync(null) to be rejected with ArgumentNullException, and a run of no jobs to answer at once with an empty report, on a runner that has just run 3 jobs.\n" +
            $"Observed: 3 jobs: {Ended(before, beforeError)}; RunAsync(null) {(error is null ? "was accepted" : $"threw {error.GetType().Name}")}; no jobs: {Ended(empty, emptyError)}" +
            $"{(empty is not null && empty.Done.Concat(empty.Failed.Select(f => f.JobId)).Any(staged.Ids.Contains) ? "; the run before left its jobs in the report" : "")}.\n" +
            "Look at: where a run's report lives. Built in the call, it is the call's alone; kept in the grain's fields, it carries the runs before it.");
    }
}
