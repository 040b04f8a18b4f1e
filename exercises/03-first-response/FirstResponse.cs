namespace ConcurrencyKata;

/// <summary>Exercise 03: ask every mirror, keep the first good answer. Read README.md in this folder first.</summary>
public static class FirstResponse
{
    /// <summary>
    /// Asks every mirror at once and returns the first successful answer; cancels the rest.
    /// All fail: AggregateException of every failure. Too slow: TimeoutException. Caller
    /// cancels: OperationCanceledException.
    /// </summary>
    public static Task<string> FetchFirstAsync(
        IFetcher fetcher,
        IReadOnlyList<string> mirrors,
        TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        throw new NotImplementedException(
            "Exercise 03 is waiting for you: see exercises/03-first-response/README.md");
    }
}
