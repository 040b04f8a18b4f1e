// Approach: reuses exercise 12's ProcessPool: cpuWorkers lanes, each with a pool of one worker (await using: ended with the call), take the documents from a Channel as they arrive and send each as a JobKind.Checksum job.
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

        var arrived = Channel.CreateUnbounded<(string Key, string Document)>();
        var index = new ConcurrentDictionary<string, long>();
        var nextId = 0;

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

        async Task LaneAsync()
        {
            await using var pool = new ProcessPool(1);
            await foreach (var (key, document) in arrived.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                var job = new Job(Interlocked.Increment(ref nextId), JobKind.Checksum, 0, document);
                index[key] = (await pool.MapAsync([job], cancellationToken).ConfigureAwait(false))[0].Value;
            }
        }

        var lanes = Enumerable.Range(0, Math.Min(cpuWorkers, Math.Max(1, keys.Count))).Select(_ => Task.Run(LaneAsync, CancellationToken.None));
        await Task.WhenAll([FetchAllAsync(), .. lanes]).ConfigureAwait(false);
        return index;
    }
}
