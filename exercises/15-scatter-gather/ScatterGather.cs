namespace ConcurrencyKata;

/// <summary>
/// Exercise 15: one shard of the index as a grain; its key is the shard's number
/// (<c>this.GetPrimaryKeyLong()</c>). The silo hands it the index in its constructor. See README.md.
/// </summary>
public sealed class ShardGrain(IShardIndex index) : Grain, IShardGrain
{
    private readonly IShardIndex _index = index;

    public Task<IReadOnlyList<string>> SearchAsync(string query, CancellationToken cancellationToken) => throw new NotImplementedException();
}

/// <summary>
/// Exercise 15: the search, which asks every shard grain at once and gathers their answers into one
/// before its deadline. See README.md.
/// </summary>
public sealed class SearchGrain : Grain, ISearchGrain
{
    public Task<SearchResult> SearchAsync(string query, int shards, TimeSpan deadline, CancellationToken cancellationToken) => throw new NotImplementedException();
}
