namespace ConcurrencyKata;

/// <summary>
/// Exercise 04: this code gives the right answers and freezes its caller while doing so.
/// Make it non-blocking. Read README.md in this folder first.
/// </summary>
public static class ChecksumReport
{
    /// <summary>Fetches every document and returns their checksums, in the order of the keys.</summary>
    public static Task<IReadOnlyList<long>> BuildAsync(
        IFetcher fetcher,
        IReadOnlyList<string> keys,
        CancellationToken cancellationToken = default)
    {
        var checksums = new List<long>();
        foreach (var key in keys)
        {
            // Blocks the calling thread until the document has arrived...
            var document = fetcher.FetchAsync(key, cancellationToken).Result;

            // ...then keeps that same thread busy computing for a fraction of a second.
            checksums.Add(DocumentChecksum.Compute(document));
        }
        return Task.FromResult<IReadOnlyList<long>>(checksums);
    }
}
