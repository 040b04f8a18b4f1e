using Orleans.Concurrency;
using Orleans.Placement;

namespace ConcurrencyKata;

/// <summary>
/// Exercise 15, reference solution: a shard reads its index, passing on the caller's token. It is
/// reentrant: it keeps no state between calls, so while one search's look-up waits it takes the
/// next search's call rather than making it queue. Its activations go to silos at random: the
/// default placement, resource-optimised, prefers the caller's own silo when that one looks no
/// busier, and may put every shard next to the search.
/// </summary>
[Reentrant]
[RandomPlacement]
public sealed class ShardGrain(IShardIndex index) : Grain, IShardGrain
{
    public Task<IReadOnlyList<string>> SearchAsync(string query, CancellationToken cancellationToken)
        => index.LookUpAsync((int)this.GetPrimaryKeyLong(), query, cancellationToken);
}

/// <summary>
/// Exercise 15, reference solution: every shard is asked in the same turn, before any answer is
/// awaited; one wait ends at the first of "all answered", the deadline or the caller's
/// cancellation; then the shards still running are cancelled and each call is read as it ended.
/// </summary>
public sealed class SearchGrain : Grain, ISearchGrain
{
    public async Task<SearchResult> SearchAsync(string query, int shards, TimeSpan deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(deadline, TimeSpan.Zero);

        // one switch for every shard's call: the caller's cancellation, or ours at the deadline
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var calls = Enumerable.Range(0, shards)
            .Select(shard => GrainFactory.GetGrain<IShardGrain>(shard).SearchAsync(query, stop.Token))
            .ToArray();
        try
        {
            await Task.WhenAll(calls).WaitAsync(deadline, cancellationToken);
        }
        catch
        {
            // the deadline (TimeoutException), a failed shard (its exception), or the caller's
            // cancellation: each call is read below, as it is now
        }
        finally
        {
            // the shards still running: nobody will read their answers. Cancelled here, before
            // `stop` is disposed: the link to the caller's token may not have fired yet (its
            // callbacks run one after another), and disposing `stop` would undo it
            await stop.CancelAsync();
        }
        cancellationToken.ThrowIfCancellationRequested();

        var hits = new List<string>();
        var failed = new List<ShardFailure>();
        var missing = new List<int>();
        for (var shard = 0; shard < shards; shard++)
        {
            var call = calls[shard];
            if (call.IsCompletedSuccessfully)
            {
                hits.AddRange(call.Result);
            }
            else if (call.IsFaulted)
            {
                failed.Add(new ShardFailure(shard, call.Exception.InnerException!.Message));
            }
            else
            {
                missing.Add(shard);
            }
        }
        return new SearchResult(hits, failed, missing);
    }
}
