// Mistake: returns whatever finishes first, so an early failure beats a later success.
// Caught by: When_every_mirror_fails_the_caller_gets_every_failure
namespace ConcurrencyKata;

public static class FirstResponse
{
    public static async Task<string> FetchFirstAsync(IFetcher fetcher, IReadOnlyList<string> mirrors, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(mirrors);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = mirrors.Select(m => fetcher.FetchAsync(m, cts.Token)).ToList();
        var deadline = Task.Delay(timeout, cts.Token);
        try
        {
            var first = await Task.WhenAny(tasks.Append(deadline)).ConfigureAwait(false);
            if (first == deadline)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw new TimeoutException();
            }
            return await (Task<string>)first;
        }
        finally
        {
            cts.Cancel();
        }
    }
}
