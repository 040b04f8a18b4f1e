// Approach: a grain that is not reentrant, except for deposits ([MayInterleave]): a transfer that waits for the other account still lets deposits in, so two transfers in opposite directions never wait for each other, and everything else keeps one call at a time.
using Orleans.Concurrency;
using Orleans.Serialization.Invocation;

namespace ConcurrencyKata;

/// <summary>
/// Exercise 14, alternative. A grain runs one turn at a time, so the balance needs no lock:
/// every change is made inside one turn, with no await between reading it and writing it. The
/// grain is reentrant so that a transfer waiting for the other account does not stop this one
/// from taking calls, among them the other account's own transfer back (A→B and B→A at once).
/// </summary>
[MayInterleave(nameof(DepositsInterleave))]
public sealed class AccountGrain : Grain, IAccountGrain
{
    private decimal _balance;

    /// <summary>Orleans asks this for each call that arrives while another is in progress: deposits may run between the turns of a waiting transfer.</summary>
    public static bool DepositsInterleave(IInvokable request) => request.GetMethodName() == nameof(DepositAsync);
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
        try
        {
            // while this waits, other calls to this account may run (it is reentrant); the money
            // is already out of the balance, so none of them can spend it twice
            await GrainFactory.GetGrain<IAccountGrain>(to).DepositAsync(amount);
        }
        catch
        {
            _balance += amount; // the other account refused it: the money comes back
            throw;
        }
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
