// Mistake: one static lock around every operation on every account: correct, but a transfer between C and D waits for one between A and B.
// Caught by: Transfers_between_different_pairs_of_accounts_run_at_the_same_time
namespace ConcurrencyKata;

public sealed class BankAccount
{
    // one lock for the whole bank
    internal static readonly object BankGate = new();

    private decimal _balance;

    public BankAccount(decimal openingBalance = 0m) => _balance = openingBalance;

    public decimal Balance
    {
        get
        {
            lock (BankGate)
            {
                return _balance;
            }
        }
    }

    public void Deposit(decimal amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount);
        lock (BankGate)
        {
            _balance += amount;
        }
    }

    public bool TryWithdraw(decimal amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount);
        lock (BankGate)
        {
            return TakeLocked(amount);
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
        lock (BankAccount.BankGate)
        {
            if (!from.TakeLocked(amount))
            {
                return false;
            }
            to.AddLocked(amount);
            return true;
        }
    }
}
