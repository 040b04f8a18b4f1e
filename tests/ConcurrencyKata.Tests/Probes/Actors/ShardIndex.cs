using System.Diagnostics;
using Orleans.Runtime;

namespace ConcurrencyKata.Tests.Probes;

/// <summary>
/// The judge's shard index (exercise 15), a service of every silo of <see cref="ActorCluster"/>:
/// a query staged by a check (<see cref="Stage"/>) is answered only as the check says: a shard
/// answers, fails, or waits until it is let go. Every look-up is drawn on the check's timeline in
/// the lane of its silo, and the index notes, per shard, when it was asked, on which silo, and
/// when its token was cancelled. A look-up never waits longer than 20 s, so a shard never let go
/// cannot hang the run. A query nobody staged answers at once, with nothing.
/// </summary>
public sealed class ShardIndex(ILocalSiloDetails silo, IGrainContextAccessor grains) : StagedService<StagedSearch>(silo, grains), IShardIndex
{
    /// <summary>A query of its own for one check, over <paramref name="shards"/> shards, drawn on <paramref name="scenario"/>'s timeline.</summary>
    public static StagedSearch Stage(Scenario scenario, int shards)
    {
        var staged = new StagedSearch(scenario, $"q{Guid.NewGuid():N}"[..9], shards);
        return Add(staged.Query, staged);
    }

    public Task<IReadOnlyList<string>> LookUpAsync(int shard, string query, CancellationToken cancellationToken)
        => Find(query) is { } staged
            ? staged.LookUpAsync(shard, SiloName, Place, cancellationToken)
            : Task.FromResult<IReadOnlyList<string>>([]);
}

/// <summary>One check's query: what each shard answers, and when, is up to the check.</summary>
public sealed class StagedSearch : IDisposable
{
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(20);

    private readonly Scenario _scenario;
    private readonly Shard[] _shards;

    internal StagedSearch(Scenario scenario, string query, int shards)
    {
        _scenario = scenario;
        Query = query;
        _shards = [.. Enumerable.Range(0, shards).Select(_ => new Shard())];
    }

    public string Query { get; }

    /// <summary>The hits shard <paramref name="shard"/> answers with: two of its own.</summary>
    public IReadOnlyList<string> HitsOf(int shard) => [$"{Query}/{shard}a", $"{Query}/{shard}b"];

    /// <summary>How many look-ups of this query have arrived, over all shards.</summary>
    public int Asked => _shards.Sum(s => s.Asked);

    /// <summary>The silos the shards were asked on.</summary>
    public IReadOnlyList<string> Silos => [.. _shards.Select(s => s.Silo).OfType<string>().Distinct().Order()];

    /// <summary>The shards asked on each silo, as a failure message says it.</summary>
    public string Placement => string.Join("; ", _shards.Select((s, i) => (s.Silo, i)).Where(p => p.Silo is not null)
        .GroupBy(p => p.Silo).OrderBy(g => g.Key).Select(g => $"{g.Key}: shards {string.Join(", ", g.Select(p => p.i))}"));

    /// <summary>The shards whose token was cancelled while they were asked.</summary>
    public IReadOnlyList<int> Cancelled => [.. Enumerable.Range(0, _shards.Length).Where(i => _shards[i].CancelledAt is not null)];

    public void Answer(int shard) => _shards[shard].Reply.TrySetResult(HitsOf(shard));

    public void Fail(int shard) => _shards[shard].Reply.TrySetException(new InvalidOperationException(FailureOf(shard)));

    /// <summary>The message of shard <paramref name="shard"/>'s failure.</summary>
    public string FailureOf(int shard) => $"shard {shard} is down";

    /// <summary>
    /// Waits (at most <paramref name="patience"/>) until <paramref name="count"/> look-ups have arrived, or
    /// <paramref name="search"/> has ended without them; true when they arrived.
    /// </summary>
    public bool WaitForAsked(int count, TimeSpan patience, Task? search = null)
    {
        SpinWait.SpinUntil(() => Asked >= count || search?.IsCompleted == true, patience);
        return Asked >= count;
    }

    /// <summary>Waits (at most <paramref name="patience"/>) until the tokens of <paramref name="shards"/> are cancelled; true when they were.</summary>
    public bool WaitForCancelled(IEnumerable<int> shards, TimeSpan patience)
    {
        var wanted = shards.ToList();
        return SpinWait.SpinUntil(() => wanted.All(i => _shards[i].CancelledAt is not null), patience);
    }

    internal async Task<IReadOnlyList<string>> LookUpAsync(int shard, string silo, string place, CancellationToken cancellationToken)
    {
        if (shard < 0 || shard >= _shards.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(shard), shard, $"the index has shards 0 to {_shards.Length - 1}");
        }
        var state = _shards[shard];
        Interlocked.Increment(ref state.AskedCount);
        state.Silo = silo;
        using var span = _scenario.Spans.Begin("index look-up", place: place);
        try
        {
            return await state.Reply.Task.WaitAsync(LongestWait, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // noted here, not in a callback registered on the token: the wait's own callback may end the
            // look-up first, and leaving it would unregister a callback of ours that had not yet run
            state.CancelledAt ??= Stopwatch.GetTimestamp();
            throw;
        }
    }

    /// <summary>Lets every shard still waiting go (with nothing), and stops answering the query.</summary>
    public void Dispose()
    {
        ShardIndex.Remove(Query, this);
        foreach (var shard in _shards)
        {
            shard.Reply.TrySetResult([]);
        }
    }

    private sealed class Shard
    {
        public readonly TaskCompletionSource<IReadOnlyList<string>> Reply = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int AskedCount;
        public volatile string? Silo;
        public long? CancelledAt;

        public int Asked => Volatile.Read(ref AskedCount);
    }
}
