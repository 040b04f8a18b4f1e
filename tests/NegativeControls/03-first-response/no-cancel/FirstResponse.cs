// Mistake: finds the first success correctly but never cancels the fetches it no longer needs.
// Caught by: The_first_answer_wins_at_once_and_every_other_fetch_is_cancelled
namespace ConcurrencyKata;

public static class FirstResponse
{
    public static async Task<string> FetchFirstAsync(IFetcher fetcher, IReadOnlyList<string> mirrors, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(mirrors);
        var pending = mirrors.Select(m => fetcher.FetchAsync(m, CancellationToken.None)).ToList();
        var deadline = Task.Delay(timeout, cancellationToken);
        var failures = new List<Exception>();
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending.Append(deadline)).ConfigureAwait(false);
            if (done == deadline)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw new TimeoutException();
            }
            var answer = (Task<string>)done;
            pending.Remove(answer);
            if (answer.IsCompletedSuccessfully)
            {
                return answer.Result;
            }
            failures.Add(answer.Exception!.InnerException!);
        }
        throw new AggregateException(failures);
    }
}
