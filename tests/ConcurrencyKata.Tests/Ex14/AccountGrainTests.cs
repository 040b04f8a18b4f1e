using System.Diagnostics;

namespace ConcurrencyKata.Tests.Ex14;

/// <summary>
/// Exercise 14: an account grain, judged on a cluster of two silos in this process
/// (<see cref="ActorCluster"/>, one for all of these checks). Every call to a grain goes through
/// the probe in each silo (<see cref="CallProbe"/>): it draws the timeline, and it can hold a call
/// at a gate, so "while a transfer waits for the other account" is a state the test makes, not one
/// it hopes for. Each check uses accounts of its own (a fresh key), so no check sees another's money.
/// </summary>
public sealed class AccountGrainTests(ActorCluster cluster) : IClassFixture<ActorCluster>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>How long two transfers in opposite directions may take: well under the grain's call timeout, which is what a cycle of calls waits for.</summary>
    private static readonly TimeSpan CrossBound = TimeSpan.FromSeconds(1.5);

    private IAccountGrain Account(string name) => cluster.Client.GetGrain<IAccountGrain>($"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)]);

    private static string Key(IAccountGrain account) => account.GetPrimaryKeyString();

    private static async Task<IAccountGrain> Funded(IAccountGrain account, decimal amount)
    {
        await account.DepositAsync(amount);
        return account;
    }

    /// <summary>True when <paramref name="call"/> succeeds, false when the account refuses it with <see cref="InvalidOperationException"/>.</summary>
    private static async Task<bool> Succeeds(Func<Task> call)
    {
        try
        {
            await call();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Both balances, each awaited in turn.</summary>
    private (decimal First, decimal Second) Balances(Scenario scenario, IAccountGrain first, IAccountGrain second)
        => scenario.Run(async () => (await first.GetBalanceAsync(), await second.GetBalanceAsync()), Patience, "Expected both balances.");

    /// <summary>How a call ended, as a failure message says it.</summary>
    private static string Ending(Exception? error, string success)
        => error is null ? success : $"{error.GetType().Name}: {error.Message.Split('\n')[0]}";

    [Fact]
    public void Deposits_from_many_callers_at_once_all_count()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        const int callers = 8, each = 250;
        var clock = Stopwatch.StartNew();
        var rounds = 0;
        string? lost = null;
        // rounds, each on an account of its own, until 300 ms have passed: a lost update shows only
        // when two additions really run at the same instant, which a short run may never see
        while (lost is null && (rounds < 2 || clock.Elapsed < TimeSpan.FromMilliseconds(300)))
        {
            rounds++;
            var account = Account("deposits");
            scenario.Run(() => Task.WhenAll(Enumerable.Range(0, callers).Select(async _ =>
            {
                for (var i = 0; i < each; i++)
                {
                    await account.DepositAsync(1m);
                }
            })), Patience, $"Expected {callers} callers making {each} deposits of 1 each, at the same time, to finish.");
            var balance = scenario.Run(() => account.GetBalanceAsync(), Patience, "Expected GetBalanceAsync to answer.");
            if (balance != callers * each)
            {
                lost = $"in round {rounds}: {balance:N0}, so {callers * each - balance:N0} lost (or not yet added when GetBalanceAsync answered)";
            }
        }

        scenario.Check(lost is null, () =>
            $"Expected a balance of {callers * each:N0} after {callers * each:N0} deposits of 1 made by {callers} callers at the same time, each deposit awaited.\n" +
            $"Observed: {lost}.\n" +
            "Look at: what runs outside the grain's turn. A grain runs one call at a time, so `_balance += amount` in the call itself needs no lock; " +
            "handing it to Task.Run (or any other thread) takes it out of the grain's turn, where two of them run at once, and the call returns before it is done.");
    }

    [Fact]
    public void Withdrawals_at_the_same_time_never_take_more_than_the_balance()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        var account = scenario.Run(() => Funded(Account("withdraw"), 100m), Patience, "Expected a deposit of 100 to finish.");

        var outcomes = scenario.Run(() => Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Succeeds(() => account.WithdrawAsync(10m)))),
            Patience, "Expected 20 withdrawals of 10 at the same time to finish.");
        var balance = scenario.Run(() => account.GetBalanceAsync(), Patience, "Expected GetBalanceAsync to answer.");
        var paid = outcomes.Count(o => o);

        scenario.Check(paid == 10 && balance == 0m, () =>
            "Expected exactly 10 of 20 withdrawals of 10 from 100, made at the same time, to succeed (the others refused with InvalidOperationException), leaving 0.\n" +
            $"Observed: {paid} succeeded, and the balance is {balance}.\n" +
            "Look at: the check of the balance and the debit belong in one turn of the grain, with no await between them.");
    }

    [Fact]
    public void A_transfer_moves_the_amount_from_one_account_to_the_other()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        var (from, to) = scenario.Run(async () => (await Funded(Account("from"), 100m), await Funded(Account("to"), 5m)), Patience, "Expected two deposits to finish.");

        scenario.Run(() => from.TransferToAsync(Key(to), 30m), Patience, "Expected a transfer of 30 from an account holding 100 to finish.");
        var balances = Balances(scenario, from, to);

        scenario.Check(balances == (70m, 35m), () =>
            "Expected 100 and 5 to become 70 and 35 after a transfer of 30.\n" +
            $"Observed: {balances.First} and {balances.Second}.");
    }

    [Fact]
    public void A_transfer_the_balance_does_not_cover_is_refused_and_changes_nothing()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        var (from, to) = scenario.Run(async () => (await Funded(Account("poor"), 20m), await Funded(Account("to"), 5m)), Patience, "Expected two deposits to finish.");

        var error = scenario.Catch(async () => { await from.TransferToAsync(Key(to), 30m); return true; }, Patience, "Expected the transfer to end.");
        var balances = Balances(scenario, from, to);

        scenario.Check(error is InvalidOperationException && balances == (20m, 5m), () =>
            "Expected a transfer of 30 from an account holding 20 to be refused with InvalidOperationException, and both balances to stay 20 and 5.\n" +
            $"Observed: {(error is null ? "no exception" : error.GetType().Name)}; balances {balances.First} and {balances.Second}.");
    }

    [Fact]
    public void A_transfer_to_a_closed_account_is_refused_and_changes_nothing()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        var (from, to) = scenario.Run(async () => (await Funded(Account("from"), 100m), await Funded(Account("closed"), 5m)), Patience, "Expected two deposits to finish.");
        scenario.Run(() => to.CloseAsync(), Patience, "Expected CloseAsync to finish.");

        var error = scenario.Catch(async () => { await from.TransferToAsync(Key(to), 30m); return true; }, Patience, "Expected the transfer to end.");
        var balances = Balances(scenario, from, to);

        scenario.Check(error is InvalidOperationException && balances == (100m, 5m), () =>
            "Expected a transfer of 30 to a closed account to be refused with InvalidOperationException (the closed account refuses the deposit), and both balances to stay 100 and 5.\n" +
            $"Observed: {(error is null ? "no exception" : error.GetType().Name)}; balances {balances.First} and {balances.Second}.\n" +
            "Look at: what happens to the money already taken from this account when the deposit is refused: it must come back, or never leave before the deposit is known to succeed.");
    }

    [Fact]
    public void Transfers_A_to_B_and_B_to_A_at_the_same_time_both_finish()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        var (a, b) = scenario.Run(async () => (await Funded(Account("a"), 100m), await Funded(Account("b"), 100m)), Patience, "Expected two deposits to finish.");
        // both transfers are let in only once both have arrived: each is inside its account when it calls the other
        using var holdA = CallProbe.Hold(nameof(IAccountGrain.TransferToAsync), Key(a));
        using var holdB = CallProbe.Hold(nameof(IAccountGrain.TransferToAsync), Key(b));
        var ab = a.TransferToAsync(Key(b), 10m);
        var ba = b.TransferToAsync(Key(a), 10m);
        SpinWait.SpinUntil(() => holdA.Waiting == 1 && holdB.Waiting == 1, Patience);
        var clock = Stopwatch.StartNew();
        holdA.Open();
        holdB.Open();

        var error = scenario.Catch(async () => { await Task.WhenAll(ab, ba); return true; }, Patience, "Expected both transfers to end.");
        var took = clock.Elapsed;
        var balances = Balances(scenario, a, b);

        scenario.Check(error is null && took < CrossBound && balances == (100m, 100m), () =>
            $"Expected Transfer A→B and B→A of 10, at the same time, to both succeed within {CrossBound.TotalSeconds} s, leaving 100 and 100.\n" +
            $"Observed: {Ending(error, "both succeeded")} after {took.TotalMilliseconds:0} ms; balances {balances.First} and {balances.Second}.\n" +
            $"Look at: A waits for B's deposit while B waits for A's, and a grain takes no new call until its current one ends, so neither ever answers: a cycle of calls, which Orleans ends after its call timeout ({SharedCluster.CallTimeout.TotalSeconds} s here). " +
            "Let the account take other calls while its transfer waits ([Reentrant] on the class, or [MayInterleave] for the deposits).");
    }

    [Fact]
    public void A_transfer_to_the_same_account_changes_nothing_and_finishes()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        var account = scenario.Run(() => Funded(Account("self"), 50m), Patience, "Expected a deposit to finish.");
        var clock = Stopwatch.StartNew();

        var error = scenario.Catch(async () => { await account.TransferToAsync(Key(account), 20m); return true; }, Patience, "Expected the transfer to end.");
        var took = clock.Elapsed;
        var balance = scenario.Run(() => account.GetBalanceAsync(), Patience, "Expected the balance.");

        scenario.Check(error is null && took < CrossBound && balance == 50m, () =>
            $"Expected a transfer of 20 from an account to itself to succeed within {CrossBound.TotalSeconds} s and leave its balance at 50.\n" +
            $"Observed: {Ending(error, "it succeeded")} after {took.TotalMilliseconds:0} ms; balance {balance}.\n" +
            "Look at: a grain that calls itself waits for its own current call to end: the shortest cycle of all.");
    }

    [Fact]
    public void A_deposit_made_while_a_transfer_waits_is_kept()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        var (from, to) = scenario.Run(async () => (await Funded(Account("from"), 100m), Account("to")), Patience, "Expected a deposit to finish.");
        using var hold = CallProbe.Hold(nameof(IAccountGrain.DepositAsync), Key(to));

        var transfer = from.TransferToAsync(Key(to), 30m);
        SpinWait.SpinUntil(() => hold.Waiting == 1, Patience);
        var deposit = from.DepositAsync(5m);
        SpinWait.SpinUntil(() => deposit.IsCompleted, TimeSpan.FromMilliseconds(500)); // a reentrant account takes it now
        hold.Open();
        scenario.Run(async () => { await transfer; await deposit; return true; }, Patience, "Expected the transfer and the deposit to finish.");
        var balance = scenario.Run(() => from.GetBalanceAsync(), Patience, "Expected the balance.");

        scenario.Check(balance == 75m, () =>
            "Expected 100, less a transfer of 30, plus a deposit of 5 made while the transfer waited for the other account: 75.\n" +
            $"Observed: {balance}.\n" +
            "Look at: a balance read before an await and written after it. While the transfer awaits, the grain takes other calls; " +
            "the deposit made meanwhile is overwritten when the transfer writes back what it read. Debit before the await, in the same turn as the check.");
    }

    [Fact]
    public void Transfers_at_the_same_time_never_overdraw()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        var (from, to) = scenario.Run(async () => (await Funded(Account("from"), 100m), Account("to")), Patience, "Expected a deposit to finish.");
        using var hold = CallProbe.Hold(nameof(IAccountGrain.DepositAsync), Key(to));

        var transfers = Enumerable.Range(0, 5).Select(_ => Succeeds(() => from.TransferToAsync(Key(to), 30m))).ToList();
        // every transfer that can be in flight at once is: as many as the account lets in while the first waits
        SpinWait.SpinUntil(() => CallProbe.Arrived(nameof(IAccountGrain.TransferToAsync), Key(from)) == 5 && hold.Waiting >= 3, TimeSpan.FromSeconds(1));
        hold.Open();
        var outcomes = scenario.Run(() => Task.WhenAll(transfers), Patience, "Expected 5 transfers to finish.");
        var balance = scenario.Run(() => from.GetBalanceAsync(), Patience, "Expected the balance.");

        scenario.Check(outcomes.Count(o => o) == 3 && balance == 10m, () =>
            "Expected 3 of 5 transfers of 30 from 100, made at the same time, to succeed and 2 to be refused, leaving 10.\n" +
            $"Observed: {outcomes.Count(o => o)} succeeded; the balance is {balance}.\n" +
            "Look at: a check of the balance, then an await, then the debit. Every transfer passes the check while the first one waits, " +
            "so together they spend more than there is. Debit in the same turn as the check, before the await.");
    }

    [Fact]
    public void Transfers_waiting_for_the_other_account_hold_no_thread()
    {
        using var scenario = new Scenario();
        using var probe = CallProbe.Watch(scenario);
        var to = Account("to");
        var senders = scenario.Run(() => Task.WhenAll(Enumerable.Range(0, 8).Select(i => Funded(Account($"s{i}"), 10m))), Patience, "Expected 8 deposits to finish.");
        var before = ThreadCensus.HeldThroughout(TimeSpan.FromMilliseconds(100));
        using var hold = CallProbe.Hold(nameof(IAccountGrain.DepositAsync), Key(to));

        var transfers = senders.Select(s => s.TransferToAsync(Key(to), 1m)).ToList();
        SpinWait.SpinUntil(() => senders.All(s => CallProbe.Arrived(nameof(IAccountGrain.TransferToAsync), Key(s)) == 1), Patience);
        Thread.Sleep(50);
        var held = ThreadCensus.HeldThroughout(TimeSpan.FromMilliseconds(300)).Minus(before);
        hold.Open();
        scenario.Run(() => Task.WhenAll(transfers), Patience, "Expected 8 transfers to finish once the deposits were let through.");

        scenario.Check(held.BusyPoolThreads + held.OtherThreads <= ThreadCensus.OtherThreadsTolerated, () =>
            "Expected no thread to be held while 8 transfers wait for the other account's deposit: a grain that awaits holds none.\n" +
            $"Observed: {held} held for the whole 300 ms the test looked.\n" +
            "Look at: .Result, .Wait() or .GetAwaiter().GetResult() on a grain call inside a grain. It blocks a thread of the silo for as long as the other grain takes, " +
            "and a silo has few: enough of them and every grain on it stops.");
    }

    [Fact]
    public void Wrong_amounts_are_rejected()
    {
        using var scenario = new Scenario();
        var account = scenario.Run(() => Funded(Account("args"), 10m), Patience, "Expected a deposit to finish.");
        var wrong = new List<string>();
        foreach (var (what, call) in new (string, Func<Task>)[]
                 {
                     ("DepositAsync(0)", () => account.DepositAsync(0m)),
                     ("WithdrawAsync(-1)", () => account.WithdrawAsync(-1m)),
                     ("TransferToAsync(\"x\", 0)", () => account.TransferToAsync("x", 0m)),
                 })
        {
            var error = scenario.Catch(async () => { await call(); return true; }, Patience, $"Expected {what} to end.");
            if (error is not ArgumentOutOfRangeException)
            {
                wrong.Add($"{what}: {(error is null ? "accepted" : error.GetType().Name)}");
            }
        }
        scenario.Check(wrong.Count == 0, () =>
            "Expected an amount of 0 or less to be rejected with ArgumentOutOfRangeException.\n" +
            $"Observed: {string.Join("; ", wrong)}.");
    }
}
