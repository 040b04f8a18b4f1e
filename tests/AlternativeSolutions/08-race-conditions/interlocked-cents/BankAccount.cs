// Approach: no locks: the balance is a long of cents changed only by Interlocked (CompareExchange retries a withdrawal whose balance changed under it); Transfer withdraws, then deposits. Amounts must be whole cents.
namespace ConcurrencyKata;

public sealed class BankAccount
{
    private long _cents;

    public BankAccount(decimal openingBalance = 0m) => _cents = ToCents(openingBalance);

    // a long is read in one piece on a 64-bit machine; Interlocked.Read makes it so everywhere
    public decimal Balance => Interlocked.Read(ref _cents) / 100m;

    public void Deposit(decimal amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount);
        Interlocked.Add(ref _cents, ToCents(amount));
    }

    public bool TryWithdraw(decimal amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount);
        var cents = ToCents(amount);
        while (true)
        {
            var seen = Interlocked.Read(ref _cents);
            if (seen < cents)
            {
                return false;
            }
            // the check and the change in one step: it succeeds only if nobody changed the balance since we read it
            if (Interlocked.CompareExchange(ref _cents, seen - cents, seen) == seen)
            {
                return true;
            }
        }
    }

    internal static long ToCents(decimal amount)
    {
        var cents = amount * 100m;
        if (cents != decimal.Truncate(cents))
        {
            throw new ArgumentException($"{amount} is not a whole number of cents.", nameof(amount));
        }
        return (long)cents;
    }
}

public static class Bank
{
    public static bool Transfer(BankAccount from, BankAccount to, decimal amount)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount);
        // the money is out of `from` before it is in `to`: for a moment it is in neither (a reader summing
        // both may see less), but it is never lost or made, no balance goes below zero, and nothing waits
        if (!from.TryWithdraw(amount))
        {
            return false;
        }
        to.Deposit(amount);
        return true;
    }
}
