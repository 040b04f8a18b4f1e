// Mistake: Transfer takes the second lock with Monitor.TryEnter and returns false when it is busy: no deadlock, but a transfer the balance covers is refused.
// Caught by: Transfers_A_to_B_and_B_to_A_at_the_same_time_never_deadlock
namespace ConcurrencyKata;

public sealed class BankAccount
{
    internal readonly object Gate = new();

    private decimal _balance;

    public BankAccount(decimal openingBalance = 0m) => _balance = openingBalance;

    public decimal Balance
    {
        get
        {
            lock (Gate)
            {
                return _balance;
            }
        }
    }

    public void Deposit(decimal amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount);
        lock (Gate)
        {
            _balance += amount;
        }
    }

    public bool TryWithdraw(decimal amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount);
        lock (Gate)
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
        lock (from.Gate)
        {
            // Monitor is reentrant: for from == to this succeeds at once
            if (!Monitor.TryEnter(to.Gate, TimeSpan.FromMilliseconds(1)))
            {
                return false; // busy: give up instead of waiting (or backing off and retrying)
            }
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
                Monitor.Exit(to.Gate);
            }
        }
    }
}
