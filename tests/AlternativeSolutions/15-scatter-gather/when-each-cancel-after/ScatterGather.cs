// Approach: the deadline given to the shards themselves: the linked source is set to cancel itself after the deadline (CancelAfter), and the search takes the answers as they arrive (Task.WhenEach) until that source is cancelled, by the deadline or the caller. Each call's task is read at the end, in the shards' order.
using Orleans.Concurrency;
using Orleans.Placement;

namespace ConcurrencyKata;

[Reentrant]
[RandomPlacement]
public sealed class ShardGrain(IShardIndex index) : Grain, IShardGrain
{
    public Task<IReadOnlyList<string>> SearchAsync(string query, CancellationToken cancellationToken)
        => index.LookUpAsync((int)this.GetPrimaryKeyLong(), query, cancellationToken);
}

public sealed class SearchGrain : Grain, ISearchGrain
{
    public async Task<SearchResult> SearchAsync(string query, int shards, TimeSpan deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(deadline, TimeSpan.Zero);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(deadline);
        var calls = new Task<IReadOnlyList<string>>[shards];
        for (var shard = 0; shard < shards; shard++)
        {
            calls[shard] = GrainFactory.GetGrain<IShardGrain>(shard).SearchAsync(query, stop.Token);
        }
        try
        {
            await foreach (var _ in Task.WhenEach(calls).WithCancellation(stop.Token))
            {
                // each answer as it comes; they are read in the shards' order below
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // the deadline or the caller
        }
        finally
        {
            await stop.CancelAsync(); // whatever still runs is no longer wanted
        }
        cancellationToken.ThrowIfCancellationRequested();

        var hits = new List<string>();
        var failed = new List<ShardFailure>();
        var missing = new List<int>();
        foreach (var (call, shard) in calls.Select((c, i) => (c, i)))
        {
            switch (call.Status)
            {
                case TaskStatus.RanToCompletion:
                    hits.AddRange(await call);
                    break;
                case TaskStatus.Faulted:
                    failed.Add(new ShardFailure(shard, call.Exception!.InnerException!.Message));
                    break;
                default:
                    missing.Add(shard);
                    break;
            }
        }
        return new SearchResult(hits, failed, missing);
    }
}
