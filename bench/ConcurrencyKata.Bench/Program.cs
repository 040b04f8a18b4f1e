using System.Diagnostics;
using ConcurrencyKata;
using ConcurrencyKata.Bench;
using Spectre.Console;

// ./build.sh bench [--quick | --smoke] [--mine 01,07]: measures the three workloads with every strategy and
// worker count, then the unit costs, then many waits at once; prints the table and writes artifacts/bench/.
// --measured: prints the exercises whose code the bench runs (what --mine can take), and ends.
if (args.Contains("--measured"))
{
    Console.WriteLine(string.Join(",", ISolutions.Measured));
    return 0;
}
var size = args.Contains("--smoke") ? BenchSize.Smoke : args.Contains("--quick") ? BenchSize.Quick : BenchSize.Full;
var output = args.SkipWhile(a => a != "--out").Skip(1).FirstOrDefault() ?? Path.Combine("artifacts", "bench");
var settings = BenchSettings.For(size);
var console = AnsiConsole.Console;
var clock = Stopwatch.StartNew();

// --mine 01,07: the learner's solutions of these exercises too, a row beneath the reference's each
List<ISolutions> solutions = [new ReferenceSolutions()];
if (args.SkipWhile(a => a != "--mine").Skip(1).FirstOrDefault() is { } mine)
{
    var asked = mine.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
    if (asked.Except(ISolutions.Measured).ToList() is { Count: > 0 } unknown)
    {
        console.MarkupLine($"[red]--mine {Markup.Escape(string.Join(",", unknown))}: the bench runs the code of exercises {string.Join(", ", ISolutions.Measured)} only.[/]");
        return 2;
    }
#if KATA_BENCH_MINE
    solutions.Add(new YourSolutions(asked));
#else
    console.MarkupLine("[red]--mine needs the bench built with your exercises (-p:KataBenchMine=exercises): ./build.sh bench --mine builds it so.[/]");
    return 2;
#endif
}

var pools = new Dictionary<(ISolutions, int), IJobPool>();
IJobPool Pool(ISolutions code, int workers)
{
    if (!pools.TryGetValue((code, workers), out var pool))
    {
        // the pool's workers compile as this process does (see the project file): they inherit this variable when they start
        Environment.SetEnvironmentVariable("DOTNET_TieredCompilation", "0");
        pool = pools[(code, workers)] = code.NewPool(workers);
        // every worker started (a rendezvous of all of them) and its computation calibrated before anything is timed
        var meeting = $"kata-bench-{Environment.ProcessId}-{workers}-{pools.Count}";
        pool.MapAsync([.. Enumerable.Range(0, workers).Select(i => new Job(i, JobKind.Rendezvous, workers, meeting))]).GetAwaiter().GetResult();
        pool.MapAsync([.. Enumerable.Range(0, 2 * workers).Select(i => new Job(i, JobKind.Compute, 20))]).GetAwaiter().GetResult();
        Environment.SetEnvironmentVariable("DOTNET_TieredCompilation", null); // the unit costs start workers as anyone would
    }
    return pool;
}

// --workload CPU-bound (or I/O-bound, Mixed): only that one, for a closer look
var only = args.SkipWhile(a => a != "--workload").Skip(1).FirstOrDefault();
await using var clusters = new ActorClusters();
var workloads = new Workloads(settings, solutions, Pool, clusters).All.Where(w => only is null || w.Name.Equals(only, StringComparison.OrdinalIgnoreCase)).ToList();
var cells = new List<Cell>();
IReadOnlyList<(string, double)> unitCosts = [];
(double Seconds, int PeakThreads) gather = default;
try
{
    console.Progress()
        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
        .Start(progress =>
        {
            var total = workloads.Sum(w => w.Strategies.Sum(s => s.TakesWorkers ? settings.WorkerCounts.Count : 1)) + 2;
            var task = progress.AddTask("measuring", maxValue: total);
            // first, while this process has only the threads it started with
            task.Description = $"{settings.GatheredWaits:N0} waits at once";
            gather = Workloads.GatherManyWaits(settings.GatheredWaits);
            task.Increment(1);
            foreach (var workload in workloads)
            {
                double? sequential = null;
                foreach (var strategy in workload.Strategies)
                {
                    foreach (int? workers in strategy.TakesWorkers ? settings.WorkerCounts.Select(w => (int?)w) : [null])
                    {
                        task.Description = $"{workload.Name}: {strategy.Name}{(workers is { } w ? $", {w} worker(s)" : "")}";
                        if (workers is null || workers == settings.WorkerCounts[0] || strategy.WarmsEachWorkerCount)
                        {
                            strategy.Run(workers ?? 1); // warm-up: compiled (once per strategy), each pool's workers started
                        }
                        var seconds = Stats.Time(settings.Repeats, () => strategy.Run(workers ?? 1));
                        sequential ??= Stats.Median(seconds);
                        cells.Add(new Cell(workload.Name, strategy.Name, workers, seconds, sequential.Value, workload.Limit(workers)));
                        task.Increment(1);
                    }
                }
            }
            task.Description = "unit costs (BenchmarkDotNet)";
            unitCosts = UnitCosts.Measure(settings, Path.Combine(output, "benchmarkdotnet"));
            task.Increment(1);
        });
}
finally
{
    foreach (var pool in pools.Values)
    {
        await pool.DisposeAsync();
    }
}

var results = new BenchResults(Machine.Describe(), settings.Quick, settings.Repeats, [.. workloads.Select(w => (w.Name, w.Description, w.Operations))], cells, unitCosts,
    settings.GatheredWaits, gather.Seconds, gather.PeakThreads);
BenchReport.Table(console, results);
var files = BenchReport.Write(output, results);
console.MarkupLine($"[grey]{files.Count} files in {Markup.Escape(output)} (report.md, results.json, charts as PNG and SVG); {clock.Elapsed.TotalSeconds:0} s[/]");
return 0;
