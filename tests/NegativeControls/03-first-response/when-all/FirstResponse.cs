// Mistake: waits for every mirror (Task.WhenAll), then picks the first success.
// Caught by: The_first_answer_wins_at_once_and_every_other_fetch_is_cancelled
namespace ConcurrencyKata;

public static class FirstResponse
{
    public static async Task<string> FetchFirstAsync(IFetcher fetcher, IReadOnlyList<string> mirrors, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(mirrors);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        var tasks = mirrors.Select(m => fetcher.FetchAsync(m, cts.Token)).ToArray();
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (Exception) when (tasks.Any(t => t.IsCompletedSuccessfully))
        {
        }
        return tasks.First(t => t.IsCompletedSuccessfully).Result;
    }
}
