// Mistake: one static SemaphoreSlim(1, 1) for the whole bank, taken by every operation: the same serialisation as one global lock, with another primitive.
// Caught by: Transfers_between_different_pairs_of_accounts_run_at_the_same_time
namespace ConcurrencyKata;

public sealed class BankAccount
{
    // one lock for the whole bank
    internal static readonly SemaphoreSlim BankGate = new(1, 1);

    private decimal _balance;

    public BankAccount(decimal openingBalance = 0m) => _balance = openingBalance;

    public decimal Balance
    {
        get
        {
            BankGate.Wait();
            try
            {
                return _balance;
            }
            finally
            {
                BankGate.Release();
            }
        }
    }

    public void Deposit(decimal amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount);
        BankGate.Wait();
        try
        {
            _balance += amount;
        }
        finally
        {
            BankGate.Release();
        }
    }

    public bool TryWithdraw(decimal amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount);
        BankGate.Wait();
        try
        {
            return TakeLocked(amount);
        }
        finally
        {
            BankGate.Release();
        }
    }

    internal bool TakeLocked(decimal amount)
    {
        if (_balance < amount)
        {
            return false;
        }
        _balance -= amount;
        return true;
    }

    internal void AddLocked(decimal amount) => _balance += amount;
}

public static class Bank
{
    public static bool Transfer(BankAccount from, BankAccount to, decimal amount)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount);
        BankAccount.BankGate.Wait();
        try
        {
            if (!from.TakeLocked(amount))
            {
                return false;
            }
            to.AddLocked(amount);
            return true;
        }
        finally
        {
            BankAccount.BankGate.Release();
        }
    }
}
