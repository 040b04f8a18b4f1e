// Mistake: waits for the other account's deposit with .Wait() inside the grain: right balances, but each transfer in flight blocks a thread of the silo until the deposit is done.
// Caught by: Transfers_waiting_for_the_other_account_hold_no_thread
using Orleans.Concurrency;

namespace ConcurrencyKata;

/// <summary>
/// Exercise 14, reference solution. A grain runs one turn at a time, so the balance needs no lock:
/// every change is made inside one turn, with no await between reading it and writing it. The
/// grain is reentrant so that a transfer waiting for the other account does not stop this one
/// from taking calls, among them the other account's own transfer back (A→B and B→A at once).
/// </summary>
[Reentrant]
public sealed class AccountGrain : Grain, IAccountGrain
{
    private decimal _balance;
    private bool _closed;

    public Task<decimal> GetBalanceAsync() => Task.FromResult(_balance);

    public Task DepositAsync(decimal amount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(amount, 0);
        if (_closed)
        {
            throw new InvalidOperationException($"Account {this.GetPrimaryKeyString()} is closed: it takes no deposits.");
        }
        _balance += amount;
        return Task.CompletedTask;
    }

    public Task WithdrawAsync(decimal amount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(amount, 0);
        Debit(amount);
        return Task.CompletedTask;
    }

    public Task CloseAsync()
    {
        _closed = true;
        return Task.CompletedTask;
    }

    public Task TransferToAsync(string to, decimal amount)
    {
        ArgumentNullException.ThrowIfNull(to);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(amount, 0);
        // check and debit in this turn: no other call can run between the two
        Debit(amount);
        try
        {
            // while this waits, other calls to this account may run (it is reentrant); the money
            // is already out of the balance, so none of them can spend it twice
            GrainFactory.GetGrain<IAccountGrain>(to).DepositAsync(amount).Wait();
        }
        catch (AggregateException e) when (e.InnerException is not null)
        {
            _balance += amount; // the other account refused it: the money comes back
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
        return Task.CompletedTask;
    }

    private void Debit(decimal amount)
    {
        if (amount > _balance)
        {
            throw new InvalidOperationException($"Account {this.GetPrimaryKeyString()} holds {_balance}: it cannot pay {amount}.");
        }
        _balance -= amount;
    }
}
