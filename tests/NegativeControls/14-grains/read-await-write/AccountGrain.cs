// Mistake: a reentrant account that reads the balance, awaits the other account's deposit, then writes back what it read less the amount: a deposit made while it waited is overwritten.
// Caught by: A_deposit_made_while_a_transfer_waits_is_kept
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

    public async Task TransferToAsync(string to, decimal amount)
    {
        ArgumentNullException.ThrowIfNull(to);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(amount, 0);
        var balance = _balance;
        if (amount > balance)
        {
            throw new InvalidOperationException($"Account {this.GetPrimaryKeyString()} holds {balance}: it cannot pay {amount}.");
        }
        await GrainFactory.GetGrain<IAccountGrain>(to).DepositAsync(amount);
        _balance = balance - amount; // what was read before the await, written after it
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
