// Mistake: Deposit does not reject an amount of zero or less, so a negative deposit withdraws without any balance check.
// Caught by: Amounts_of_zero_or_less_are_rejected_and_change_nothing
namespace ConcurrencyKata;

/// <summary>Exercise 08: an account that many threads use at once. Read README.md in this folder first.</summary>
public sealed class BankAccount
{
    private static long s_lastId;

    // every account has a number of its own: Transfer locks the lower number first
    internal readonly long Id = Interlocked.Increment(ref s_lastId);

    // one lock per account, private: nobody outside can take it and hold it
    internal readonly object Gate = new();

    private decimal _balance;

    /// <summary>Opens an account. A negative opening balance is not checked.</summary>
    public BankAccount(decimal openingBalance = 0m) => _balance = openingBalance;

    /// <summary>The balance now. A decimal is 128 bits: reading it is not atomic, so it is read under the lock too.</summary>
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

    /// <summary>Adds <paramref name="amount"/> (more than zero).</summary>
    public void Deposit(decimal amount)
    {
        lock (Gate)
        {
            _balance += amount;
        }
    }

    /// <summary>Takes <paramref name="amount"/> (more than zero) if the balance covers it; otherwise returns false and changes nothing.</summary>
    public bool TryWithdraw(decimal amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount);
        lock (Gate)
        {
            // the check and the change under one lock: nobody can withdraw in between
            return TakeLocked(amount);
        }
    }

    /// <summary>Call only while holding <see cref="Gate"/>.</summary>
    internal bool TakeLocked(decimal amount)
    {
        if (_balance < amount)
        {
            return false;
        }
        _balance -= amount;
        return true;
    }

    /// <summary>Call only while holding <see cref="Gate"/>.</summary>
    internal void AddLocked(decimal amount) => _balance += amount;

    /// <summary>Call only while holding <see cref="Gate"/>.</summary>
    internal decimal BalanceLocked => _balance;
}

/// <summary>Moves money between accounts.</summary>
public static class Bank
{
    /// <summary>
    /// Moves <paramref name="amount"/> (more than zero) from <paramref name="from"/> to
    /// <paramref name="to"/> if <paramref name="from"/>'s balance covers it; otherwise returns
    /// false and changes nothing. Both accounts are locked for the whole move, always the one
    /// with the lower number first, so two transfers in opposite directions can never each hold
    /// the lock the other needs.
    /// </summary>
    public static bool Transfer(BankAccount from, BankAccount to, decimal amount)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount);

        if (ReferenceEquals(from, to))
        {
            // one account: nothing moves; the answer is whether the balance covers it
            lock (from.Gate)
            {
                return from.BalanceLocked >= amount;
            }
        }

        var (first, second) = from.Id < to.Id ? (from, to) : (to, from);
        lock (first.Gate)
        {
            lock (second.Gate)
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
}
