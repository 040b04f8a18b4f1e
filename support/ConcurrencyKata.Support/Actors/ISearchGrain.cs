namespace ConcurrencyKata;

/// <summary>
/// One shard of a search index as an Orleans grain (exercise 15): its key is the shard's number,
/// and it answers a query from the shard index of the silo it runs on (<see cref="IShardIndex"/>,
/// which every silo gives its grains). Get one with <c>grainFactory.GetGrain&lt;IShardGrain&gt;(3)</c>.
/// </summary>
public interface IShardGrain : IGrainWithIntegerKey
{
    /// <summary>The hits of this shard for <paramref name="query"/>; stops early when <paramref name="cancellationToken"/> is cancelled.</summary>
    Task<IReadOnlyList<string>> SearchAsync(string query, CancellationToken cancellationToken);
}

/// <summary>
/// The search (exercise 15): asks every shard at once and gathers their hits into one answer.
/// Get one with <c>grainFactory.GetGrain&lt;ISearchGrain&gt;("any name")</c>.
/// </summary>
public interface ISearchGrain : IGrainWithStringKey
{
    /// <summary>
    /// Asks shards 0 to <paramref name="shards"/> − 1 for <paramref name="query"/>, all at once, and
    /// answers when every shard has answered or when <paramref name="deadline"/> has passed since the
    /// call began, whichever comes first: with the hits of the shards that answered, the shards that
    /// failed, and the shards still running at the deadline, whose calls are then cancelled.
    /// When the caller cancels, it ends with <see cref="OperationCanceledException"/> and cancels every
    /// shard's call still running.
    /// </summary>
    Task<SearchResult> SearchAsync(string query, int shards, TimeSpan deadline, CancellationToken cancellationToken);
}

/// <summary>What the shards of a search answered, each list in the order of the shards' numbers.</summary>
/// <param name="Hits">The hits of every shard that answered in time, shard 0's first.</param>
/// <param name="Failed">The shards whose call failed, each with its error.</param>
/// <param name="Missing">The shards that had not answered at the deadline.</param>
[GenerateSerializer, Immutable]
public sealed record SearchResult(
    [property: Id(0)] IReadOnlyList<string> Hits,
    [property: Id(1)] IReadOnlyList<ShardFailure> Failed,
    [property: Id(2)] IReadOnlyList<int> Missing);

/// <summary>A shard whose call failed, and the message of its error.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardFailure([property: Id(0)] int Shard, [property: Id(1)] string Error);

/// <summary>
/// The index a shard grain reads (exercise 15): a service of the silo, which a grain receives in its
/// constructor (<c>public ShardGrain(IShardIndex index)</c>). The judge's index can make a shard slow,
/// fail, or wait until the test lets it answer, and it sees whether the token it was given is cancelled.
/// </summary>
public interface IShardIndex
{
    Task<IReadOnlyList<string>> LookUpAsync(int shard, string query, CancellationToken cancellationToken);
}
