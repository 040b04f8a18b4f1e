namespace ConcurrencyKata;

/// <summary>
/// Exercise 08: an account that many threads use at once. Read README.md in this folder first.
/// This code is correct on one thread, and wrong on several: make it safe without one lock for
/// every account (transfers between different accounts must be able to run at the same time).
/// </summary>
public sealed class BankAccount
{
    private decimal _balance;

    /// <summary>Opens an account. A negative opening balance is not checked.</summary>
    public BankAccount(decimal openingBalance = 0m) => _balance = openingBalance;

    /// <summary>The balance now.</summary>
    public decimal Balance => _balance;

    /// <summary>Adds <paramref name="amount"/> (more than zero).</summary>
    public void Deposit(decimal amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount);
        _balance += amount; // read, add, write back: three steps, not one
    }

    /// <summary>Takes <paramref name="amount"/> (more than zero) if the balance covers it; otherwise returns false and changes nothing.</summary>
    public bool TryWithdraw(decimal amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount);
        if (_balance < amount) // check...
        {
            return false;
        }
        _balance -= amount;    // ...then act: is the check still true here?
        return true;
    }
}

/// <summary>Moves money between accounts.</summary>
public static class Bank
{
    /// <summary>
    /// Moves <paramref name="amount"/> (more than zero) from <paramref name="from"/> to
    /// <paramref name="to"/> if <paramref name="from"/>'s balance covers it; otherwise returns
    /// false and changes nothing.
    /// </summary>
    public static bool Transfer(BankAccount from, BankAccount to, decimal amount)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount);
        lock (from)
        {
            lock (to) // and what does a transfer the other way round hold at this moment?
            {
                if (!from.TryWithdraw(amount))
                {
                    return false;
                }
                to.Deposit(amount);
                return true;
            }
        }
    }
}
