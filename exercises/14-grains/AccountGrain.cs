namespace ConcurrencyKata;

/// <summary>
/// Exercise 14: an account as a grain. Keep the balance in a field; Orleans runs one call of this
/// grain at a time unless you tell it otherwise. See README.md.
/// </summary>
public sealed class AccountGrain : Grain, IAccountGrain
{
    public Task<decimal> GetBalanceAsync() => throw new NotImplementedException();

    public Task DepositAsync(decimal amount) => throw new NotImplementedException();

    public Task WithdrawAsync(decimal amount) => throw new NotImplementedException();

    public Task CloseAsync() => throw new NotImplementedException();

    public Task TransferToAsync(string to, decimal amount) => throw new NotImplementedException();
}
