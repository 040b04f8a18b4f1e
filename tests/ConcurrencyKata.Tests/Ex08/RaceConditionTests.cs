using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace ConcurrencyKata.Tests.Ex08;

/// <summary>
/// Exercise 08-race-conditions: BankAccount and Bank.Transfer used by several threads at the same
/// instant. Contenders start together and run for a stretch of time (not a count: a count that
/// fits in one time slice never overlaps on a busy machine); every wait is bounded, and threads
/// that do not finish (a deadlock) are background threads the test abandons.
/// </summary>
public sealed class RaceConditionTests
{
    /// <summary>How long the contenders hammer: long enough to span many time slices on a busy machine.</summary>
    private static readonly TimeSpan Hammer = TimeSpan.FromMilliseconds(300);

    /// <summary>How long past <see cref="Hammer"/> the test waits for the contenders before it suspects a deadlock.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    private const int Threads = 4;

    private const string LockOrdering =
        "Transfer(A, B) locks A and then wants B; Transfer(B, A), at the same instant, locks B and then wants A. " +
        "Each holds what the other waits for, and neither ever lets go: a lock-order deadlock. " +
        "Take the two locks in one order that every transfer agrees on, whatever its direction " +
        "(give each account a unique number when it is created, and lock the lower number first).";

    [Fact]
    public void Deposits_from_threads_started_together_all_count()
    {
        using var scenario = new Scenario();
        var account = new BankAccount();
        var deposited = new decimal[Threads];

        var run = Contenders.Start(scenario, Hammer, Names("deposit 1 into A"), i =>
        {
            account.Deposit(1m);
            deposited[i] += 1m;
        });
        FinishOrFail(scenario, run, "deposits into one account");

        var expected = deposited.Sum();
        var balance = account.Balance;
        scenario.Check(balance == expected, () =>
            $"Expected the balance to be the sum of every deposit: {Threads} threads started together deposited 1 each, {expected:N0} times in all, into an empty account.\n" +
            $"Observed: the balance is {balance:N0}: {expected - balance:N0} lost.\n" +
            "Look at: `_balance += amount` is three steps: read the balance, add, write it back. Two threads that read the same old balance both write " +
            "old + 1, and one deposit vanishes: a lost update. Make the read-add-write one step nobody can come between: under the account's lock.");
    }

    [Fact]
    public void Withdrawals_at_the_same_instant_never_overdraw()
    {
        using var scenario = new Scenario();
        var account = new BankAccount();
        var deposited = new long[Threads];
        var withdrawn = new long[Threads];
        var lowest = new decimal[Threads];

        // the balance hovers around zero: every thread withdraws 1, and deposits 1 when it was refused
        var run = Contenders.Start(scenario, Hammer, Names("withdraw 1 or deposit 1"), i =>
        {
            if (account.TryWithdraw(1m))
            {
                withdrawn[i]++;
                var seen = account.Balance;
                if (seen < lowest[i])
                {
                    lowest[i] = seen;
                }
            }
            else
            {
                account.Deposit(1m);
                deposited[i]++;
            }
        });
        FinishOrFail(scenario, run, "withdrawals from one account");

        var balance = account.Balance;
        var low = Math.Min(lowest.Min(), balance);
        scenario.Check(low >= 0, () =>
            $"Expected the balance never to go below zero: TryWithdraw refuses what the balance does not cover ({Threads} threads started together, each withdrawing 1 and depositing 1 when refused).\n" +
            $"Observed: a thread saw the balance at {low:N0} right after its own withdrawal succeeded.\n" +
            "Look at: check-then-act. `if (_balance >= amount)` and `_balance -= amount` are two steps: two threads can both see 1, both pass the check, " +
            "and both take 1. Locking the read and the write separately does not help; the check and the change must happen under one lock, held from the check to the change.");
        var expected = deposited.Sum() - withdrawn.Sum();
        scenario.Check(balance == expected, () =>
            $"Expected the balance to be what was deposited minus what was withdrawn: {deposited.Sum():N0} - {withdrawn.Sum():N0} = {expected:N0}.\n" +
            $"Observed: {balance:N0}.\n" +
            "Look at: a read-modify-write of the balance outside a lock (a lost update), in Deposit or in TryWithdraw.");
    }

    [Fact]
    public void Money_is_conserved_across_transfers_in_both_directions()
    {
        using var scenario = new Scenario();
        var a = new BankAccount(0m);
        var b = new BankAccount(2_000m);
        var paid = new long[Threads];
        var refilled = new long[Threads];
        var lowest = new decimal[Threads];

        // A hovers around zero, where a stale check bites: every thread transfers 1 from A to B, and 2 from B back to A when A was short
        var run = Contenders.Start(scenario, Hammer, Names("A→B 1, or B→A 2 when A is short"), i =>
        {
            if (Bank.Transfer(a, b, 1m))
            {
                paid[i]++;
                var seen = a.Balance;
                if (seen < lowest[i])
                {
                    lowest[i] = seen;
                }
            }
            else if (Bank.Transfer(b, a, 2m))
            {
                refilled[i]++;
            }
        });
        FinishOrFail(scenario, run, "transfers between A and B in both directions");

        var (balanceA, balanceB) = (a.Balance, b.Balance);
        var low = Math.Min(lowest.Min(), balanceA);
        scenario.Check(low >= 0, () =>
            $"Expected A never to go below zero: a transfer the balance does not cover returns false ({Threads} threads started together, each transferring 1 from A to B, and 2 back when A was short).\n" +
            $"Observed: a thread saw A at {low:N0} right after its own transfer from A succeeded.\n" +
            "Look at: check-then-act in Transfer. A check that `from` covers the amount made before the locks are taken (or under a lock released before the money moves) " +
            "can be stale by the time the money moves: two transfers both pass it. Check and move under the locks of both accounts, held from the check to the move.");
        var expectedA = 2m * refilled.Sum() - paid.Sum();
        scenario.Check(balanceA + balanceB == 2_000m && balanceB >= 0 && balanceA == expectedA, () =>
            $"Expected {run.TotalSteps:N0} rounds of transfers between A (0 to start) and B (2,000) to conserve the money: " +
            $"A + B = 2,000, neither below zero, and A = 2 × {refilled.Sum():N0} - {paid.Sum():N0} = {expectedA:N0} after the transfers that returned true.\n" +
            $"Observed: A = {balanceA:N0}, B = {balanceB:N0} (A + B = {balanceA + balanceB:N0}).\n" +
            "Look at: both balances must change under the locks of both accounts, or under locks that make each change one step (a lost update in " +
            "Deposit, TryWithdraw or Transfer loses or makes money).");
    }

    [Fact]
    public void Transfers_A_to_B_and_B_to_A_at_the_same_time_never_deadlock()
    {
        using var scenario = new Scenario();
        var a = new BankAccount(1_000_000_000m);
        var b = new BankAccount(1_000_000_000m);
        var refused = new long[2];

        var run = Contenders.Start(scenario, Hammer, ["A→B over and over", "B→A over and over"], i =>
        {
            if (!(i == 0 ? Bank.Transfer(a, b, 1m) : Bank.Transfer(b, a, 1m)))
            {
                refused[i]++;
            }
        });
        var stuck = run.Join(Hammer + Grace);
        if (stuck is not null)
        {
            scenario.Abort.ThrowIfCancellationRequested();
            throw scenario.Fail(
                $"Expected two threads doing Transfer(A, B) and Transfer(B, A) over and over, started together, to stop after {Hammer.TotalMilliseconds:0} ms.\n" +
                $"Observed: deadlock suspected: still running {Grace.TotalSeconds:0} s later ({stuck}). The test abandoned them.\n" +
                (stuck.Split(", asleep:").Length > 2 ? "Both threads are asleep and neither makes progress: each waits for something the other holds, here a lock each.\n" : "") +
                $"Look at: the order Transfer takes its locks. {LockOrdering}");
        }
        ThrowFirstError(run);
        scenario.Check(refused.Sum() == 0, () =>
            $"Expected every transfer of 1 to succeed: both accounts hold 1,000,000,000, so the balance always covers it.\n" +
            $"Observed: {refused[0]:N0} of A→B and {refused[1]:N0} of B→A returned false.\n" +
            "Look at: giving up when a lock is not free at once (Monitor.TryEnter with a timeout, then return false) avoids the deadlock but refuses good transfers. " +
            $"Back off and retry instead, or better: {LockOrdering}");
    }

    [SkippableFact]
    public void Transfers_between_different_pairs_of_accounts_run_at_the_same_time()
    {
        Skip.If(Environment.ProcessorCount < 2, "this machine has one core: two transfers can never run at the same instant, so there is nothing to tell apart");
        using var scenario = new Scenario();

        var rounds = RunBounded(scenario, () => DisjointPairsProbe.Judge(scenario, attempts: 12, serialNeeded: 4,
                together: TimeSpan.FromMilliseconds(150), alone: TimeSpan.FromMilliseconds(30), Bank.Transfer),
            TimeSpan.FromSeconds(10), "transfers A↔B, C↔D and E↔F, each pair on a thread of its own");
        var verdicts = rounds.Select(r => r.Verdict).ToList();
        var shown = string.Join("\n", rounds.Select((r, i) => $"  round {i + 1}: {r}"));

        Skip.If(!verdicts.Contains(DisjointPairsProbe.Verdict.Parallel) && !verdicts.Contains(DisjointPairsProbe.Verdict.Serial),
            $"the machine never ran two threads at the same instant during {rounds.Count} rounds, even without any lock, so there was nothing to tell apart:\n{shown}");
        scenario.Check(verdicts.Contains(DisjointPairsProbe.Verdict.Parallel), () =>
            $"Expected transfers between different accounts (A↔B, C↔D, E↔F, each pair on a thread of its own, no account in common) to run at the same instant " +
            $"whenever the machine runs two of the threads at once: in some 100 µs stretches they should together do {DisjointPairsProbe.ParallelFactor:0.0}× as many transfers as one thread alone.\n" +
            $"Observed: they took turns. Plain threads without any lock did run at once, but the transfers together never went faster than one thread alone:\n{shown}\n" +
            "Look at: one lock for all accounts (a static object, one shared SemaphoreSlim, lock(typeof(Bank))). It is correct, but a transfer " +
            "between C and D waits for one between A and B that has nothing to do with it. Give each account its own lock, and lock only the two accounts a transfer touches.");
    }

    [Fact]
    public void A_transfer_from_an_account_to_itself_changes_nothing_and_never_deadlocks()
    {
        using var scenario = new Scenario();
        var account = new BankAccount(10m);

        var (covered, short_) = RunBounded(scenario, () => (Bank.Transfer(account, account, 4m), Bank.Transfer(account, account, 25m)),
            TimeSpan.FromSeconds(2), "Transfer(a, a, 4) and Transfer(a, a, 25)",
            "a lock that cannot be taken twice by one thread (a SemaphoreSlim(1, 1) per account, say) is taken for `from` and then again for `to`, " +
            "which is the same account: the thread waits for itself. Check for from == to first (ReferenceEquals), and lock that one account once.");
        var balance = account.Balance;

        scenario.Check(covered && !short_ && balance == 10m, () =>
            "Expected Transfer(a, a, x) on an account holding 10 to change nothing and to return whether 10 covers x: true for 4, false for 25.\n" +
            $"Observed: {covered} for 4, {short_} for 25; the balance is now {balance}.\n" +
            "Look at: from and to are the same account: withdrawing and depositing the same amount leaves it as it was; the answer is only whether the balance covers the amount.");
    }

    [Fact]
    public void Amounts_of_zero_or_less_are_rejected_and_change_nothing()
    {
        using var scenario = new Scenario();
        var a = new BankAccount(100m);
        var b = new BankAccount(100m);
        var calls = new (string Call, Action Act)[]
        {
            ("Deposit(0)", () => a.Deposit(0m)),
            ("Deposit(-5)", () => a.Deposit(-5m)),
            ("TryWithdraw(0)", () => a.TryWithdraw(0m)),
            ("TryWithdraw(-5)", () => a.TryWithdraw(-5m)),
            ("Transfer(a, b, 0)", () => Bank.Transfer(a, b, 0m)),
            ("Transfer(a, b, -5)", () => Bank.Transfer(a, b, -5m)),
            ("Transfer(a, a, -5)", () => Bank.Transfer(a, a, -5m)),
        };
        var wrong = new List<string>();
        foreach (var (call, act) in calls)
        {
            var error = RunBounded(scenario, () => Catch(act), TimeSpan.FromSeconds(2), call);
            if (error is not ArgumentOutOfRangeException)
            {
                wrong.Add($"{call} gave {Explain.Exception(error)}");
            }
        }
        var (balanceA, balanceB) = (a.Balance, b.Balance);
        scenario.Check(wrong.Count == 0 && balanceA == 100m && balanceB == 100m, () =>
            "Expected an amount of zero or less to be rejected with ArgumentOutOfRangeException by Deposit, TryWithdraw and Transfer, changing nothing " +
            "(a negative deposit is a withdrawal that skips the balance check).\n" +
            $"Observed: {(wrong.Count == 0 ? "every call threw it" : string.Join("; ", wrong))}; the balances are now {balanceA} and {balanceB} (both were 100).\n" +
            "Look at: ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount) first thing in each method, before any lock or change.");
    }

    [Fact]
    public void Null_accounts_are_rejected()
    {
        using var scenario = new Scenario();
        var a = new BankAccount(100m);
        var wrong = new List<string>();
        foreach (var (parameter, act) in new (string, Action)[] { ("from", () => Bank.Transfer(null!, a, 1m)), ("to", () => Bank.Transfer(a, null!, 1m)) })
        {
            var error = RunBounded(scenario, () => Catch(act), TimeSpan.FromSeconds(2), $"Transfer with {parameter} = null");
            if (error is not ArgumentNullException { ParamName: var name } || name != parameter)
            {
                wrong.Add($"{parameter} = null gave {Explain.Exception(error)}{(error is ArgumentNullException n ? $" naming \"{n.ParamName}\"" : "")}");
            }
        }
        var balance = a.Balance;
        scenario.Check(wrong.Count == 0 && balance == 100m, () =>
            "Expected Transfer to reject a null account with ArgumentNullException naming the parameter (from or to), changing nothing.\n" +
            $"Observed: {(wrong.Count == 0 ? "both rejected" : string.Join("; ", wrong))}; the other account's balance is {balance} (was 100).\n" +
            "Look at: ArgumentNullException.ThrowIfNull(from) and ArgumentNullException.ThrowIfNull(to) first thing.");
    }

    [Fact]
    public void On_one_thread_deposits_withdrawals_and_transfers_add_up()
    {
        using var scenario = new Scenario();
        var results = RunBounded(scenario, () =>
        {
            var a = new BankAccount(50m);
            var b = new BankAccount();
            a.Deposit(25.5m);
            var ok1 = a.TryWithdraw(70m);
            var no1 = a.TryWithdraw(6m);
            var ok2 = Bank.Transfer(a, b, 5.5m);
            var no2 = Bank.Transfer(b, a, 5.51m);
            return (ok1, no1, ok2, no2, a.Balance, b.Balance);
        }, TimeSpan.FromSeconds(2), "one thread's deposits, withdrawals and transfers");

        scenario.Check(results == (true, false, true, false, 0m, 5.5m), () =>
            "Expected on one thread: A opens with 50, deposits 25.5 (75.5), withdraws 70 (true, 5.5), tries 6 (false), transfers 5.5 to B (true), " +
            "and B tries to send 5.51 back (false): A = 0, B = 5.5.\n" +
            $"Observed: withdraw 70 {results.ok1}, withdraw 6 {results.no1}, transfer 5.5 {results.ok2}, transfer 5.51 {results.no2}, A = {results.Item5}, B = {results.Item6}.\n" +
            "Look at: the plain arithmetic first: a refused withdrawal or transfer changes nothing and returns false.");
    }

    private static string[] Names(string what) => [.. Enumerable.Range(1, Threads).Select(i => $"{what} (thread {i})")];

    /// <summary>Waits for the contenders; a run that does not end is reported as a suspected deadlock, an exception as itself.</summary>
    private static void FinishOrFail(Scenario scenario, Contenders run, string what)
    {
        var stuck = run.Join(Hammer + Grace);
        if (stuck is not null)
        {
            throw scenario.Fail(
                $"Expected {Threads} threads doing {what} to stop after {Hammer.TotalMilliseconds:0} ms.\n" +
                $"Observed: deadlock suspected: still running {Grace.TotalSeconds:0} s later ({stuck}). The test abandoned them.\n" +
                $"Look at: locks taken in different orders by different calls. {LockOrdering}");
        }
        ThrowFirstError(run);
    }

    private static void ThrowFirstError(Contenders run)
    {
        if (run.FirstError is { } failed)
        {
            ExceptionDispatchInfo.Capture(failed.Error).Throw();
        }
    }

    private static Exception? Catch(Action act)
    {
        try
        {
            act();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    /// <summary>
    /// Runs <paramref name="call"/> on a background thread of its own and waits at most
    /// <paramref name="timeout"/>: a call that never returns (a lock that waits for itself) fails
    /// the test as a suspected deadlock and is abandoned, instead of hanging the run.
    /// </summary>
    private static T RunBounded<T>(Scenario scenario, Func<T> call, TimeSpan timeout, string what, string? lookAt = null)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = call();
            }
            catch (Exception e)
            {
                error = e;
            }
        })
        { IsBackground = true, Name = "kata caller" };
        var started = Stopwatch.GetTimestamp();
        thread.Start();
        if (!thread.Join(timeout))
        {
            throw scenario.Fail(
                $"Expected {what} to return.\n" +
                $"Observed: deadlock suspected: no answer after {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms; the test abandoned the thread.\n" +
                $"Look at: {lookAt ?? $"a lock that is never released, or locks taken in different orders. {LockOrdering}"}");
        }
        if (error is not null)
        {
            ExceptionDispatchInfo.Capture(error).Throw();
        }
        return result;
    }
}
