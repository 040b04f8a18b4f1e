// Mistake: a reentrant account that checks the balance, awaits the deposit, and only then debits: several transfers pass the check while the first waits, and together they overdraw.
// Caught by: Transfers_at_the_same_time_never_overdraw
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
        if (amount > _balance)
        {
            throw new InvalidOperationException($"Account {this.GetPrimaryKeyString()} holds {_balance}: it cannot pay {amount}.");
        }
        // the deposit first, so that nothing needs undoing when it is refused
        await GrainFactory.GetGrain<IAccountGrain>(to).DepositAsync(amount);
        _balance -= amount;
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
