namespace ConcurrencyKata;

/// <summary>Exercise 04, reference solution: await the I/O, hand the computation to the thread pool.</summary>
public static class ChecksumReport
{
    public static async Task<IReadOnlyList<long>> BuildAsync(
        IFetcher fetcher,
        IReadOnlyList<string> keys,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);

        // One small pipeline per key: wait for the document without holding a thread, then
        // compute its checksum on a pool thread. All keys run at once; the caller's thread
        // only starts them and collects the results.
        async Task<long> OneAsync(string key)
        {
            var document = await fetcher.FetchAsync(key, cancellationToken).ConfigureAwait(false);
            return await Task.Run(() => DocumentChecksum.Compute(document), cancellationToken).ConfigureAwait(false);
        }

        return await Task.WhenAll(keys.Select(OneAsync)).ConfigureAwait(false);
    }
}
