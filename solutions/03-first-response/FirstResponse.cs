namespace ConcurrencyKata;

/// <summary>Exercise 03, reference solution: a WhenAny loop raced against a deadline.</summary>
public static class FirstResponse
{
    public static async Task<string> FetchFirstAsync(
        IFetcher fetcher,
        IReadOnlyList<string> mirrors,
        TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(mirrors);
        ArgumentOutOfRangeException.ThrowIfZero(mirrors.Count);

        // One source for everything we start: cancelling it tells every fetch (and the
        // deadline) that nobody needs their answer any more.
        using var losers = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pending = mirrors.Select(m => fetcher.FetchAsync(m, losers.Token)).ToList();
        var deadline = Task.Delay(timeout, losers.Token);
        var failures = new List<Exception>();
        try
        {
            while (pending.Count > 0)
            {
                var done = await Task.WhenAny(pending.Append(deadline)).ConfigureAwait(false);
                if (done == deadline)
                {
                    cancellationToken.ThrowIfCancellationRequested(); // the caller gave up first
                    throw new TimeoutException($"No mirror answered within {timeout.TotalMilliseconds:0} ms.");
                }
                var answer = (Task<string>)done;
                pending.Remove(answer);
                if (answer.IsCompletedSuccessfully)
                {
                    return answer.Result; // the finally below cancels the others
                }
                cancellationToken.ThrowIfCancellationRequested();
                failures.Add(answer.Exception?.InnerException ?? new TaskCanceledException(answer));
            }
            throw new AggregateException("Every mirror failed.", failures);
        }
        finally
        {
            await losers.CancelAsync().ConfigureAwait(false);
        }
    }
}
