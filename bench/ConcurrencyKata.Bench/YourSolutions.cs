#if KATA_BENCH_MINE
extern alias mine;

namespace ConcurrencyKata.Bench;

/// <summary>
/// The learner's solutions (exercises/, built with -p:KataBenchMine=exercises and referenced under
/// the alias <c>mine</c>), for the exercises that pass: <c>./build.sh bench --mine</c> measures them
/// beside the reference. ci builds the bench with the reference under that alias too
/// (-p:KataBenchMine=solutions), so this code and the rows it adds are run on every ci.
/// </summary>
public sealed class YourSolutions(IReadOnlySet<string> passing) : ISolutions
{
    public string Suffix => ", yours"; // the charts pair each such row with its reference's (BenchReport)

    public bool Has(string exercise) => passing.Contains(exercise);

    public Task GatherAsync(IFetcher fetcher, IReadOnlyList<string> keys) => mine::ConcurrencyKata.AsyncGather.FetchAllAsync(fetcher, keys);

    public IReadOnlyList<TOut> RunOnThreads<TIn, TOut>(IReadOnlyList<TIn> items, Func<TIn, TOut> work, int workers) => mine::ConcurrencyKata.ThreadWorkers.Run(items, work, workers);

    public IGlobalInterpreterLock NewInterpreterLock(TimeSpan switchInterval) => new mine::ConcurrencyKata.GlobalInterpreterLock(switchInterval);

    public IJobPool NewPool(int workers) => new Pool(new mine::ConcurrencyKata.ProcessPool(workers));

    public Task IndexAsync(IFetcher fetcher, IReadOnlyList<string> keys, int workers) => mine::ConcurrencyKata.DocumentIndexer.IndexAsync(fetcher, keys, workers);

    private sealed class Pool(mine::ConcurrencyKata.ProcessPool pool) : IJobPool
    {
        public Task MapAsync(IReadOnlyList<Job> jobs) => pool.MapAsync(jobs);

        public ValueTask DisposeAsync() => pool.DisposeAsync();
    }
}
#endif
