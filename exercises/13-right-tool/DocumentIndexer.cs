namespace ConcurrencyKata;

/// <summary>
/// Exercise 13: this code gives the right index, one document at a time, and keeps its caller's
/// thread busy while doing so. Make it fast and non-blocking. Read README.md in this folder first.
/// </summary>
public static class DocumentIndexer
{
    /// <summary>
    /// Fetches every document and digests it (<see cref="DocumentChecksum.Compute"/>), at most
    /// <paramref name="cpuWorkers"/> digests at a time; returns each key's checksum.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, long>> IndexAsync(
        IFetcher fetcher, IReadOnlyList<string> keys, int cpuWorkers, CancellationToken cancellationToken = default)
    {
        var index = new Dictionary<string, long>();
        foreach (var key in keys)
        {
            // waits for each document before asking for the next...
            var document = await fetcher.FetchAsync(key, cancellationToken);

            // ...then digests it right here, on whatever thread the await came back to
            index[key] = DocumentChecksum.Compute(document);
        }
        return index;
    }
}
