namespace ConcurrencyKata;

/// <summary>Exercise 01: fetch many keys at once. Read README.md in this folder first.</summary>
public static class AsyncGather
{
    /// <summary>
    /// Fetches every key in <paramref name="keys"/> and returns the values in the same order as
    /// the keys. All fetches must be in progress at the same time: start them all, then wait.
    /// </summary>
    public static Task<IReadOnlyList<string>> FetchAllAsync(
        IFetcher fetcher,
        IReadOnlyList<string> keys,
        CancellationToken cancellationToken = default)
    {
        throw new NotImplementedException(
            "Exercise 01 is waiting for you: see exercises/01-async-gather/README.md");
    }
}
