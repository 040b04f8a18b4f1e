namespace ConcurrencyKata;

/// <summary>
/// A bank account as an Orleans grain (exercise 14): the balance is the grain's own state, and
/// only the grain's own calls touch it. Get one with <c>grainFactory.GetGrain&lt;IAccountGrain&gt;("alice")</c>;
/// the key names the account. A new account holds 0 and is open.
/// </summary>
public interface IAccountGrain : IGrainWithStringKey
{
    Task<decimal> GetBalanceAsync();

    /// <summary>Adds <paramref name="amount"/> (more than 0). A closed account refuses it with <see cref="InvalidOperationException"/>.</summary>
    Task DepositAsync(decimal amount);

    /// <summary>Takes <paramref name="amount"/> (more than 0) out. Refused with <see cref="InvalidOperationException"/> when the balance does not cover it.</summary>
    Task WithdrawAsync(decimal amount);

    /// <summary>Closes the account: from then on it refuses deposits. Its balance stays.</summary>
    Task CloseAsync();

    /// <summary>
    /// Moves <paramref name="amount"/> (more than 0) from this account to the account <paramref name="to"/>:
    /// both balances change, or neither. Refused with <see cref="InvalidOperationException"/> when this
    /// balance does not cover it or the other account refuses the deposit.
    /// </summary>
    Task TransferToAsync(string to, decimal amount);
}
