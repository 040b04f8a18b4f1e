namespace ConcurrencyKata;

/// <summary>
/// Something slow to ask: a web service, a database, a disk. The exercises receive one and
/// must call it; the tests pass in fakes that record when each call started and finished.
/// </summary>
public interface IFetcher
{
    /// <summary>Fetches the value stored under <paramref name="key"/>.</summary>
    /// <remarks>
    /// The returned task completes when the answer arrives. While it is pending no thread is
    /// busy on its behalf: this is I/O, not computation. Pass the token on, so the call can be
    /// abandoned when nobody needs its answer any more.
    /// </remarks>
    Task<string> FetchAsync(string key, CancellationToken cancellationToken);
}
