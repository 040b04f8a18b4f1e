// Approach: a lock per account, no ordering: Transfer tries to take both with Monitor.TryEnter; if the second is busy it lets go of the first, waits a random moment and tries again (no deadlock, and the random back-off avoids a livelock).
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
        var spin = new SpinWait();
        while (true)
        {
            Monitor.Enter(from.Gate);
            try
            {
                // Monitor is reentrant: for from == to this succeeds at once
                if (Monitor.TryEnter(to.Gate))
                {
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
            finally
            {
                Monitor.Exit(from.Gate);
            }
            // the other lock was busy: back off for a random moment before trying again
            spin.SpinOnce();
            Thread.SpinWait(Random.Shared.Next(1, 64));
        }
    }
}
