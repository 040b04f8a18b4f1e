namespace ConcurrencyKata.Bench;

/// <summary>
/// The code of the exercises the bench runs, from one assembly: the reference solutions, or (with
/// <c>./build.sh bench --mine</c>) the learner's, for the exercises that pass. The workloads are
/// written once against this and run with each.
/// </summary>
public interface ISolutions
{
    /// <summary>The exercises whose code the bench runs: what <c>--mine</c> can take.</summary>
    static readonly IReadOnlyList<string> Measured = ["01", "07", "10", "12", "13"];

    /// <summary>How a strategy run with this code is named: "" for the reference, ", yours" for the learner's.</summary>
    string Suffix { get; }

    /// <summary>Whether this code's solution of <paramref name="exercise"/> ("01") is measured.</summary>
    bool Has(string exercise);

    /// <summary>Exercise 01: every fetch in flight at once.</summary>
    Task GatherAsync(IFetcher fetcher, IReadOnlyList<string> keys);

    /// <summary>Exercise 07: dedicated threads over one shared queue.</summary>
    IReadOnlyList<TOut> RunOnThreads<TIn, TOut>(IReadOnlyList<TIn> items, Func<TIn, TOut> work, int workers);

    /// <summary>Exercise 10: the lock the interpreter's threads take turns with.</summary>
    IGlobalInterpreterLock NewInterpreterLock(TimeSpan switchInterval);

    /// <summary>Exercise 12: a pool of long-lived worker processes.</summary>
    IJobPool NewPool(int workers);

    /// <summary>Exercise 13: fetches awaited, digests on at most <paramref name="workers"/> threads.</summary>
    Task IndexAsync(IFetcher fetcher, IReadOnlyList<string> keys, int workers);
}

/// <summary>Exercise 12's pool as the bench uses it: jobs mapped, workers ended at the end.</summary>
public interface IJobPool : IAsyncDisposable
{
    Task MapAsync(IReadOnlyList<Job> jobs);
}

/// <summary>The reference solutions (solutions/), every exercise the bench runs.</summary>
public sealed class ReferenceSolutions : ISolutions
{
    public string Suffix => "";

    public bool Has(string exercise) => true;

    public Task GatherAsync(IFetcher fetcher, IReadOnlyList<string> keys) => AsyncGather.FetchAllAsync(fetcher, keys);

    public IReadOnlyList<TOut> RunOnThreads<TIn, TOut>(IReadOnlyList<TIn> items, Func<TIn, TOut> work, int workers) => ThreadWorkers.Run(items, work, workers);

    public IGlobalInterpreterLock NewInterpreterLock(TimeSpan switchInterval) => new GlobalInterpreterLock(switchInterval);

    public IJobPool NewPool(int workers) => new Pool(new ProcessPool(workers));

    public Task IndexAsync(IFetcher fetcher, IReadOnlyList<string> keys, int workers) => DocumentIndexer.IndexAsync(fetcher, keys, workers);

    private sealed class Pool(ProcessPool pool) : IJobPool
    {
        public Task MapAsync(IReadOnlyList<Job> jobs) => pool.MapAsync(jobs);

        public ValueTask DisposeAsync() => pool.DisposeAsync();
    }
}
