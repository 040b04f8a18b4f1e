namespace ConcurrencyKata;

/// <summary>Exercise 02: fetch many keys, but never more than a few at once. Read README.md in this folder first.</summary>
public static class BoundedGather
{
    /// <summary>
    /// Fetches every key with at most <paramref name="maxConcurrency"/> fetches in flight, keeping
    /// that many busy while keys remain, and returns the values in the order of the keys.
    /// </summary>
    public static Task<IReadOnlyList<string>> FetchAllAsync(
        IFetcher fetcher,
        IReadOnlyList<string> keys,
        int maxConcurrency,
        CancellationToken cancellationToken = default)
    {
        throw new NotImplementedException(
            "Exercise 02 is waiting for you: see exercises/02-bounded-gather/README.md");
    }
}
