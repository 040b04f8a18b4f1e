// Mistake: debits, then awaits the deposit, and when the other account refuses it the exception goes back to the caller with the money still gone.
// Caught by: A_transfer_to_a_closed_account_is_refused_and_changes_nothing
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
        // check and debit in this turn: no other call can run between the two
        Debit(amount);
        await GrainFactory.GetGrain<IAccountGrain>(to).DepositAsync(amount);
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
