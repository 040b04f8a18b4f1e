using System.Diagnostics;

namespace ConcurrencyKata.Bench;

/// <summary>
/// One way of running a workload: a name, whether it takes a worker count, and the run itself.
/// <paramref name="WarmsEachWorkerCount"/>: its first run with each worker count is a warm-up, not
/// timed (what it starts per count: a pool's worker processes, a cluster's silos).
/// </summary>
public sealed record Strategy(string Name, bool TakesWorkers, Action<int> Run, bool WarmsEachWorkerCount = false);

/// <summary>
/// A kind of work (waiting, computing, both, grain calls), the ways to run it, and the best speedup
/// it allows with a number of workers. <paramref name="Operations"/>: how many operations one run
/// makes, when the report should say how many per second.
/// </summary>
public sealed record Workload(string Name, string Description, IReadOnlyList<Strategy> Strategies, Func<int?, double> Limit, int? Operations = null);

/// <summary>
/// The three workloads of the comparison, each run by the reference solutions' own code (and, with
/// <c>--mine</c>, by the learner's, a row beneath each): waiting (simulated I/O), computing
/// (calibrated CPU work) and both (fetch, then digest, as in exercise 13), with .NET's Parallel as
/// the library baseline. Worker processes come from one long-lived pool per solution and worker
/// count, started before anything is timed.
/// </summary>
public sealed class Workloads(BenchSettings settings, IReadOnlyList<ISolutions> solutions, Func<ISolutions, int, IJobPool> pools, ActorClusters clusters)
{
    private static readonly int Cores = Environment.ProcessorCount;

    public const string Sequential = "sequential";

    public IReadOnlyList<Workload> All => [Waiting(), Computing(), Mixed(), Actors()];

    /// <summary>Many waits of the same length: the best is all at once, the longest single wait.</summary>
    private Workload Waiting()
    {
        var n = settings.Waits;
        var wait = settings.Wait;
        var keys = Keys(n);
        var fetcher = new DelayFetcher(wait);
        return new Workload("I/O-bound", $"{n} waits of {wait.TotalMilliseconds:0} ms",
        [
            new(Sequential, false, _ => Wait(async () =>
            {
                foreach (var key in keys)
                {
                    await fetcher.FetchAsync(key, default).ConfigureAwait(false);
                }
            })),
            .. Each("01", "async gather", false, code => _ => Wait(() => code.GatherAsync(fetcher, keys))),
            .. Each("07", "dedicated threads", true, code => w => code.RunOnThreads(keys, k => { Thread.Sleep(wait); return k; }, w)),
            .. Each("10", "threads under the GIL", true, code => w => Interpret(code, w, i => new Block(wait), n)),
            .. Each("12", "process pool", true, code => w => Wait(() => pools(code, w).MapAsync([.. Enumerable.Range(0, n).Select(i => new Job(i, JobKind.Sleep, (long)wait.TotalMilliseconds))])), warmsEachWorkerCount: true),
            new("Parallel.ForEachAsync", true, w => Wait(() => Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = w },
                async (k, ct) => await fetcher.FetchAsync(k, ct).ConfigureAwait(false)))),
        ],
        workers => Math.Min(workers ?? n, n));
    }

    /// <summary>
    /// Computation: digests (<see cref="DocumentChecksum"/>, a fixed amount of work, the same in this
    /// process and in a worker process). The best is every core busy: the core count.
    /// </summary>
    private Workload Computing()
    {
        var n = settings.CpuJobs;
        var documents = Enumerable.Range(0, n).Select(i => $"document {i}").ToList();
        var digest = MeasureDigest();
        var computingFetcher = new ComputingFetcher();
        return new Workload("CPU-bound", $"{n} digests of about {digest * 1000:0} ms each (DocumentChecksum)",
        [
            new(Sequential, false, _ => documents.ForEach(d => DocumentChecksum.Compute(d))),
            .. Each("01", "async gather", false, code => _ => Wait(() => code.GatherAsync(computingFetcher, documents))),
            .. Each("07", "dedicated threads", true, code => w => code.RunOnThreads(documents, DocumentChecksum.Compute, w)),
            // the interpreter computes in calibrated units of 1 ms: as many as one digest takes here
            .. Each("10", "threads under the GIL", true, code => w => Interpret(code, w, _ => new Compute((int)Math.Round(digest * 1000)), n)),
            .. Each("12", "process pool", true, code => w => Wait(() => pools(code, w).MapAsync([.. documents.Select((d, i) => new Job(i, JobKind.Checksum, 0, d))])), warmsEachWorkerCount: true),
            new("Parallel.For", true, w => Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = w }, i => DocumentChecksum.Compute(documents[i]))),
        ],
        workers => Math.Min(workers ?? Cores, Cores));
    }

    /// <summary>Fetch, then digest (DocumentChecksum): the best overlaps the waits with computation on every core.</summary>
    private Workload Mixed()
    {
        var n = settings.Documents;
        var keys = Keys(n);
        var fetcher = new DelayFetcher(settings.Fetch);
        var digest = MeasureDigest();
        var sequential = n * (settings.Fetch.TotalSeconds + digest);
        return new Workload("Mixed", $"{n} documents: a {settings.Fetch.TotalMilliseconds:0} ms fetch, then a digest of about {digest * 1000:0} ms",
        [
            new(Sequential, false, _ => Wait(async () =>
            {
                foreach (var key in keys)
                {
                    DocumentChecksum.Compute(await fetcher.FetchAsync(key, default).ConfigureAwait(false));
                }
            })),
            .. Each("13", "async + threads", true, code => w => Wait(() => code.IndexAsync(fetcher, keys, w))),
            .. Each("07", "dedicated threads", true, code => w => code.RunOnThreads(keys, k => { Thread.Sleep(settings.Fetch); return DocumentChecksum.Compute(DelayFetcher.ValueOf(k)); }, w)),
            new("Parallel.ForEachAsync", true, w => Wait(() => Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = w },
                async (k, ct) => DocumentChecksum.Compute(await fetcher.FetchAsync(k, ct).ConfigureAwait(false))))),
        ],
        workers => sequential / (settings.Fetch.TotalSeconds + n * digest / Math.Min(workers ?? Cores, Cores)));
    }

    /// <summary>
    /// Grain calls: deposits to the reference's account grains (exercise 14), from many callers at
    /// once, on a cluster of 1, 2, ... silos ("workers"), every silo in this process. The baseline is
    /// one silo: more silos here add no cores, only calls between silos, so the limit is what one
    /// silo does (1×). A real cluster has a machine per silo, and its cores come with it. The calls
    /// made one at a time, awaiting each, show what one caller alone gets.
    /// </summary>
    private Workload Actors()
    {
        var calls = settings.GrainCalls;
        const int accounts = 256, callers = 64;
        Task Deposits(int silos, int at) => Task.WhenAll(Enumerable.Range(0, at).Select(async caller =>
        {
            var client = clusters.Client(silos);
            for (var i = caller; i < calls; i += at)
            {
                await client.GetGrain<IAccountGrain>($"a{i % accounts}").DepositAsync(1m).ConfigureAwait(false);
            }
        }));
        return new Workload("Actors", $"{calls:N0} deposits to {accounts} account grains (14) by {callers} callers at once, against the silo count (workers); " +
                                      "every silo in this one process, sharing its cores: speedup over one silo, whose throughput is the limit",
        [
            new("one silo (14)", false, _ => Wait(() => Deposits(1, callers))),
            new("one caller, one call at a time", false, _ => Wait(() => Deposits(1, 1))),
            new("account grains (14)", true, silos => Wait(() => Deposits(silos, callers)), WarmsEachWorkerCount: true),
        ],
        _ => 1.0, calls);
    }

    /// <summary>
    /// The strategy "name (exercise)" run by each solution that has the exercise: the reference's
    /// row, then the learner's beneath it ("name (exercise), yours").
    /// </summary>
    private IEnumerable<Strategy> Each(string exercise, string name, bool takesWorkers, Func<ISolutions, Action<int>> run, bool warmsEachWorkerCount = false)
        => solutions.Where(code => code.Has(exercise)).Select(code => new Strategy($"{name} ({exercise}){code.Suffix}", takesWorkers, run(code), warmsEachWorkerCount));

    /// <summary>The wall time of one digest here (median of three), for the mixed workload's limit.</summary>
    private static double MeasureDigest()
        => Stats.Median(Stats.Time(3, () => DocumentChecksum.Compute("calibration")));

    /// <summary>
    /// The threads-under-a-GIL strategy: <paramref name="workers"/> interpreted programs, one thread
    /// each, sharing <paramref name="total"/> instructions round-robin, under <paramref name="code"/>'s lock (exercise 10).
    /// </summary>
    private static void Interpret(ISolutions code, int workers, Func<int, Instruction> instruction, int total)
    {
        var programs = Enumerable.Range(0, workers)
            .Select(p => new InterpretedProgram($"program {p}", [.. Enumerable.Range(0, total).Where(i => i % workers == p).Select(instruction)]))
            .Where(p => p.Instructions.Count > 0)
            .ToList();
        var run = Interpreter.Run(programs, code.NewInterpreterLock(TimeSpan.FromMilliseconds(5)), new InterpreterOptions { Timeout = TimeSpan.FromSeconds(60) });
        run.ThrowIfFailed();
    }

    private static List<string> Keys(int n) => [.. Enumerable.Range(0, n).Select(i => $"k{i}")];

    /// <summary>Waits for asynchronous work from synchronous code: the bench's own driver, not a strategy.</summary>
    private static void Wait(Func<Task> work) => work().GetAwaiter().GetResult();

    /// <summary>Answers after a fixed delay, holding no thread meanwhile (a timer), as I/O does.</summary>
    public sealed class DelayFetcher(TimeSpan delay) : IFetcher
    {
        public static string ValueOf(string key) => "value of " + key;

        public async Task<string> FetchAsync(string key, CancellationToken cancellationToken)
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            return ValueOf(key);
        }
    }

    /// <summary>"Fetches" by digesting, on the caller's thread, before returning a finished task: async code with nothing to wait for.</summary>
    private sealed class ComputingFetcher : IFetcher
    {
        public Task<string> FetchAsync(string key, CancellationToken cancellationToken)
            => Task.FromResult(DocumentChecksum.Compute(key).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// The source notes' claim, measured: <paramref name="count"/> waits of 100 ms gathered
    /// asynchronously (exercise 01), with the most threads this process had while they were in progress.
    /// </summary>
    public static (double Seconds, int PeakThreads) GatherManyWaits(int count)
    {
        var keys = Keys(count);
        var fetcher = new DelayFetcher(TimeSpan.FromMilliseconds(100));
        using var process = Process.GetCurrentProcess();
        var peak = 0;
        using var done = new ManualResetEventSlim();
        var sampler = new Thread(() =>
        {
            do
            {
                process.Refresh();
                peak = Math.Max(peak, process.Threads.Count);
            }
            while (!done.Wait(5));
        }) { IsBackground = true, Name = "bench thread sampler" };
        sampler.Start();
        var clock = Stopwatch.StartNew();
        Wait(() => AsyncGather.FetchAllAsync(fetcher, keys));
        var seconds = clock.Elapsed.TotalSeconds;
        done.Set();
        sampler.Join();
        return (seconds, peak);
    }
}
