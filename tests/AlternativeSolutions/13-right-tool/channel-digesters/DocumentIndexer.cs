// Approach: the fetches write each document to a Channel as it arrives; exactly cpuWorkers digesters (Task.Run loops) read it and compute, so the bound is the number of digesters, not a semaphore.
using System.Collections.Concurrent;
using System.Threading.Channels;

namespace ConcurrencyKata;

public static class DocumentIndexer
{
    public static async Task<IReadOnlyDictionary<string, long>> IndexAsync(
        IFetcher fetcher, IReadOnlyList<string> keys, int cpuWorkers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfLessThan(cpuWorkers, 1);

        var arrived = Channel.CreateUnbounded<(string Key, string Document)>(new UnboundedChannelOptions { SingleReader = false });
        var index = new ConcurrentDictionary<string, long>();

        async Task FetchAllAsync()
        {
            try
            {
                await Task.WhenAll(keys.Select(async key =>
                    arrived.Writer.TryWrite((key, await fetcher.FetchAsync(key, cancellationToken).ConfigureAwait(false))))).ConfigureAwait(false);
                arrived.Writer.TryComplete();
            }
            catch (Exception e)
            {
                arrived.Writer.TryComplete(e);
                throw;
            }
        }

        async Task DigestAllAsync()
        {
            while (await arrived.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (!cancellationToken.IsCancellationRequested && arrived.Reader.TryRead(out var item))
                {
                    index[item.Key] = DocumentChecksum.Compute(item.Document);
                }
                cancellationToken.ThrowIfCancellationRequested();
            }
        }

        var digesters = Enumerable.Range(0, cpuWorkers).Select(_ => Task.Run(DigestAllAsync, cancellationToken));
        await Task.WhenAll([FetchAllAsync(), .. digesters]).ConfigureAwait(false);
        return index;
    }
}
