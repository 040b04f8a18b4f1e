// Mistake: a SemaphoreSlim(1, 1) per account, taken in order, but Transfer(a, a, x) takes the same one twice: a non-reentrant lock waits for itself forever.
// Caught by: A_transfer_from_an_account_to_itself_changes_nothing_and_never_deadlocks
namespace ConcurrencyKata;

public sealed class BankAccount
{
    private static long s_lastId;

    internal readonly long Id = Interlocked.Increment(ref s_lastId);
    internal readonly SemaphoreSlim Gate = new(1, 1);

    private decimal _balance;

    public BankAccount(decimal openingBalance = 0m) => _balance = openingBalance;

    public decimal Balance
    {
        get
        {
            Gate.Wait();
            try
            {
                return _balance;
            }
            finally
            {
                Gate.Release();
            }
        }
    }

    public void Deposit(decimal amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount);
        Gate.Wait();
        try
        {
            _balance += amount;
        }
        finally
        {
            Gate.Release();
        }
    }

    public bool TryWithdraw(decimal amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount);
        Gate.Wait();
        try
        {
            return TakeHeld(amount);
        }
        finally
        {
            Gate.Release();
        }
    }

    internal bool TakeHeld(decimal amount)
    {
        if (_balance < amount)
        {
            return false;
        }
        _balance -= amount;
        return true;
    }

    internal void AddHeld(decimal amount) => _balance += amount;

    internal decimal BalanceHeld => _balance;
}

public static class Bank
{
    public static bool Transfer(BankAccount from, BankAccount to, decimal amount)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount);
        var (first, second) = from.Id <= to.Id ? (from, to) : (to, from);
        first.Gate.Wait();
        try
        {
            second.Gate.Wait();
            try
            {
                if (!from.TakeHeld(amount))
                {
                    return false;
                }
                to.AddHeld(amount);
                return true;
            }
            finally
            {
                second.Gate.Release();
            }
        }
        finally
        {
            first.Gate.Release();
        }
    }
}
